//! The messages of `memlab isolation`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- what it needs (memlab list) ----
    "needs.isolation" => "root for physical frame numbers (the rest runs without)",
        "物理フレーム番号には root 権限（ほかの部分は root なしで実行できます）";
    "check.same_address_different_data" => "the same virtual address in two processes holds different data",
        "2つのプロセスの同じ仮想アドレスには、別々のデータがある";
    "check.same_address_different_frames" => "the same virtual address in two processes maps different physical pages",
        "2つのプロセスの同じ仮想アドレスは、別々の物理メモリに対応付けられている";
    "check.two_runs_same_addresses" => "without ASLR, two runs use the same virtual addresses",
        "ASLR を切ると、2回の実行で同じ仮想アドレスが使われる";
    "check.two_runs_data_in_different_frames" => "two runs keep their data in different physical pages",
        "2回の実行のデータは、別々の物理メモリに置かれる";
    "check.two_runs_share_code_frames" => "two runs of the same program share the physical pages of its code",
        "同じプログラムを2回実行すると、コードの物理メモリは共有される";
    "check.contiguous_region_scattered_frames" => "a region contiguous in virtual addresses is scattered in physical memory",
        "仮想アドレス空間で連続した領域も、物理メモリではばらばらに置かれている";

    // ---- narration ----
    "isolation.say.part1" => "part 1: at {address} the parent (pid {parent_pid}) reads {parent_value}, the child (pid {child_pid}) reads {child_value}",
        "パート1: アドレス {address} を読むと、親プロセス（pid {parent_pid}）では {parent_value}、子プロセス（pid {child_pid}）では {child_value} でした";
    "isolation.say.part2" => "part 2: two runs with ASLR off: data variable at {address_a} / {address_b} holding {value_a} / {value_b}",
        "パート2: ASLR を切って2回実行しました。データの変数はそれぞれ {address_a} / {address_b} にあり、値は {value_a} / {value_b} でした";
    "isolation.say.part3" => "part 3: {pages} virtually contiguous pages at {address} sit in {runs} physically contiguous runs",
        "パート3: {address} から仮想アドレス空間で連続した {pages} ページは、物理メモリでは連続した {runs} 個のかたまりに分かれていました";

    // ---- notes ----
    "isolation.note.table_rows" => "the table shows parts 1 and 2 and the first {shown} of {runs} runs of part 3; --csv has all",
        "表にはパート1と2、そしてパート3の {runs} 個のかたまりのうち最初の {shown} 個を示します。--csv にはすべてがあります";

    // ---- skip reasons ----
    "isolation.skip.frames_1_2" => "parts 1 and 2, frame comparison: /proc/PID/pagemap shows physical frame numbers only to CAP_SYS_ADMIN (run as root); the addresses and data above still ran",
        "パート1と2の物理ページの比較: /proc/PID/pagemap は CAP_SYS_ADMIN を持つプロセスにしか物理ページの番号を見せません（root で実行してください）。アドレスとデータの確認は実行しました";
    "isolation.skip.frames_3" => "part 3, physical scatter of a contiguous region: needs the frame numbers of /proc/self/pagemap, which only CAP_SYS_ADMIN may read",
        "パート3の連続した領域の物理的な散らばり: /proc/self/pagemap の物理ページの番号が必要ですが、読めるのは CAP_SYS_ADMIN を持つプロセスだけです";

    // ---- errors ----
    "isolation.err.region_too_small" => "--region {region} is too small: at least two pages (e.g. --region 4M)",
        "--region {region} は小さすぎます。少なくとも2ページ必要です（例: --region 4M）";
    "isolation.err.child_silent" => "the child of part 1 ended without reporting",
        "パート1の子プロセスが結果を報告せずに終了しました";
    "isolation.err.worker_silent" => "the re-executed memlab (isolation --worker) ended without reporting",
        "実行し直した memlab（isolation --worker）が結果を報告せずに終了しました";
    "isolation.err.worker_by_hand" => "--worker is for memlab's own use (isolation runs itself with it); e.g. memlab isolation",
        "--worker は memlab 自身が使うものです（isolation が自分を実行し直すときに付けます）。例: memlab isolation";

    // ---- option help ----
    "help.opt.isolation.region" => "Size of the virtually contiguous region whose physical frames are listed (part 3)",
        "物理ページを一覧にする、仮想アドレス空間で連続した領域の大きさ（パート3）";
    "help.opt.isolation.force" => "Run even if the region is more than half of the available memory",
        "領域が利用可能なメモリの半分を超えても実行します";
    "help.opt.isolation.worker" => "Internal: run as one of the two copies of part 2 (memlab re-executes itself with ASLR off)",
        "内部用: パート2の2つの実行の1つとして動きます（memlab が ASLR を切って自分を実行し直します）";
    // ---- reasons written into the data (found again for the reader) ----
    "why.isolation.aslr_on" => "personality(ADDR_NO_RANDOMIZE) did not stick in the runs: {measured}",
        "2つの実行で personality(ADDR_NO_RANDOMIZE) が効きませんでした: {measured}";
    "why.isolation.own_pids" => "at {addr}: parent reads its pid {ppid}, child reads its pid {cpid}",
        "{addr} で、親は自分の pid {ppid} を、子は自分の pid {cpid} を読む";
    "why.isolation.read_values" => "parent {pv} at {pa}, child {cv} at {ca}",
        "親は {pa} で {pv}、子は {ca} で {cv} を読みました";
    "why.isolation.frames_differ" => "parent's frame ≠ child's frame",
        "親のフレームと子のフレームが異なる";
    "why.isolation.parent_child_pfn" => "parent pfn {p}, child pfn {c}",
        "親の pfn は {p}、子の pfn は {c}";
    "why.isolation.same_addresses" => "with ASLR off, equal addresses for data, code and the mmapped page; each run reads its own pid",
        "ASLR を切ると、データ、コード、mmap したページのアドレスがそれぞれ等しい。どちらの実行も自分の pid を読む";
    "why.isolation.data_frames_differ" => "data frames differ, mmapped-page frames differ",
        "データのフレームも、mmap したページのフレームも異なる";
    "why.isolation.data_pfns" => "data pfn {da} / {db}, mmap pfn {aa} / {ab}",
        "データの pfn は {da} と {db}、mmap したページの pfn は {aa} と {ab}";
    "why.isolation.code_frames_equal" => "code frames equal", "コードのフレームが等しい";
    "why.isolation.code_pfns" => "code pfn {a} / {b}", "コードの pfn は {a} と {b}";
    "why.isolation.addresses" => "data {da}/{db}, code {ca}/{cb}, mmap {aa}/{ab}; values {va}/{vb}",
        "データ {da}/{db}、コード {ca}/{cb}、mmap したページ {aa}/{ab}。読んだ値 {va}/{vb}";
    "why.isolation.consecutive" => "the kernel happened to hand out consecutive frames for the whole region: nothing scattered to show",
        "カーネルがたまたま領域全体に連続したフレームを渡したため、物理メモリがばらばらに置かれる様子を示せません";
}
