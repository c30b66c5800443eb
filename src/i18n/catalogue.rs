//! The one table of messages: each entry holds its English and its Japanese
//! text together, with the same `{name}` placeholders (a test checks it).
//!
//! Ids: `check.NAME` is a check's claim (by its message id, else its name);
//! `ui.*` the words around the table and checks; `html.*` the lab report;
//! `help.*` the command line's help; `list.*` the summaries of `memlab
//! list`. Japanese text avoids characters of ambiguous East Asian width
//! (`±`, `×`, `…`, `→`, `≤`): CJK terminals draw them two columns wide.

/// One message in both languages.
#[derive(Debug)]
pub struct Message {
    pub id: &'static str,
    pub en: &'static str,
    pub ja: &'static str,
}

macro_rules! catalogue {
    ($($id:literal => $en:literal, $ja:literal;)*) => {
        /// Every message memlab renders in the reader's language.
        pub static MESSAGES: &[Message] = &[$(Message { id: $id, en: $en, ja: $ja }),*];
    };
}

catalogue! {
    // ---- the text view of a report ----
    "ui.measured" => "measured {measured} (expected {expected})",
                     "測定値 {measured}（期待値 {expected}）";
    "ui.why_unknown" => "; why: {why}", "。判定できない理由: {why}";
    "ui.interrupted" => "INTERRUPTED: what was measured before the signal is shown below",
                        "中断されました: シグナルの前に測定できた分を以下に示します";
    "ui.skipped" => "skipped: {why}", "省略: {why}";
    "ui.tally.none" => "no checks", "チェックはありません";
    "ui.tally.held" => "{held} of {total} held", "{total} 件中 {held} 件の主張が成り立ちました";
    "ui.tally.failed" => ", {n} did not hold", "。{n} 件は成り立ちませんでした";
    "ui.tally.inconclusive" => ", {n} inconclusive", "。{n} 件は判定できませんでした";
    "ui.range.between" => "{lo} to {hi} {unit}", "{lo} 以上 {hi} 以下 {unit}";
    "ui.range.at_least" => "at least {lo} {unit}", "{lo} {unit} 以上";
    "ui.range.at_most" => "at most {hi} {unit}", "{hi} {unit} 以下";
    "ui.explain.no_ja" => "(This page is not yet in Japanese; the English page follows.)",
                         "（この実験の日本語のページはまだありません。英語のページを表示します。）";

    // ---- the lab report (HTML) ----
    "html.title" => "memlab lab report", "memlab 実験レポート";
    "html.intro" => "Each experiment of the document, run on this host: the document's claim, what was measured, and whether the claim held here.",
                    "文書の実験をこのホストで実行しました。実験ごとに、文書の主張、測定した値、そしてその主張がここで成り立ったかを示します。";
    "html.host" => "The host", "ホスト";
    "html.summary" => "Which claims held here", "このホストで成り立った主張";
    "html.experiment" => "experiment", "実験";
    "html.not_run" => "not run: {why}", "実行されませんでした: {why}";
    "html.not_run_here" => "Not run on this host: {why}", "このホストでは実行されませんでした: {why}";
    "html.checks" => "checks", "チェック";
    "html.section" => "section of the document", "文書の節";
    "html.interrupted" => "Interrupted: partial results.", "中断されました。途中までの結果です。";
    "html.interrupted_tally" => "interrupted: {tally}", "中断: {tally}";
    "html.parameters" => "Parameters:", "パラメータ:";
    "html.skipped" => "Skipped:", "省略:";
    "html.data" => "Data:", "データ:";

    // ---- help ----
    "help.about" => "Run the experiments of a Linux memory-management chapter on this host, measure them with the kernel's own counters, and check each claim.",
                    "Linux のメモリ管理の章の実験をこのホストで実行し、カーネル自身のカウンタで測定して、各主張を確かめます。";
    "help.after" => "Every experiment: memlab list. Its page: memlab explain NAME.",
                    "実験の一覧: memlab list。各実験の説明: memlab explain NAME。";
    "help.list" => "Every experiment, one line each, with what it needs",
                   "すべての実験を1行ずつ、必要なものとともに表示します";
    "help.explain" => "Print an experiment's page (what it shows, columns, checks, a real run)",
                      "実験のページ（何を示すか、列、チェック、実際の実行例）を表示します";
    "help.judge" => "Judge a saved run again: recompute its summary and checks from its rows",
                    "保存した実行結果を判定し直します（行からまとめとチェックを計算し直します）";
    "help.all" => "Run every experiment with quick defaults into DIR, with report.html",
                  "すべての実験を短い既定値で実行し、DIR に report.html とともに書き出します";
    "help.report" => "Rebuild a lab report from one folder of JSON files, or compare several labs side by side",
                     "JSON ファイルのフォルダから実験レポートを作り直します。複数のフォルダを並べて比べることもできます";
    "help.help" => "Print the help of memlab or of one of its commands",
                   "memlab またはそのコマンドのヘルプを表示します";
    "help.completions" => "Print a shell completion script (bash, zsh or fish) to stdout",
                          "シェルの補完スクリプト（bash、zsh、fish）を標準出力に書き出します";
    "help.man" => "Print the manual page (roff) to stdout: memlab man | man -l -",
                  "マニュアルページ（roff）を標準出力に書き出します: memlab man | man -l -";
    "help.arg.csv" => "Write the rows as CSV to PATH (no PATH or `-`: stdout)",
                      "行を CSV で PATH に書き出します（PATH なしか `-` なら標準出力）";
    "help.arg.json" => "Write {schema_version, experiment, ended_by, meta, params, measurements, summary, rows, checks, ...} as JSON to PATH (no PATH or `-`: stdout)",
                       "実行結果すべて（meta、params、measurements、summary、rows、checks など）を JSON で PATH に書き出します（PATH なしか `-` なら標準出力）";
    "help.arg.quiet" => "No narration and no progress bar", "途中経過の説明も進行表示も出しません";
    "help.arg.plot" => "Draw an SVG chart to PATH", "SVG のグラフを PATH に描きます";
    "help.lang" => "Language of what memlab prints: ja or en (default: the locale's)",
                   "表示する言語: ja または en（既定はロケールに従います）";

    // ---- memlab list: each experiment's summary ----
    "ui.list.experiment" => "experiment", "実験";
    "ui.list.what" => "what it shows (needs: what it needs to run in full)",
                      "示すこと（必要: すべてを実行するのに必要なもの）";
    "ui.list.needs" => "needs: {needs}", "必要: {needs}";
    "list.cow" => "fork copies page tables only; the child's writes copy pages",
                  "fork() はページテーブルだけをコピーし、子プロセスの書き込みでページがコピーされる（コピーオンライト）";
    "list.demand-paging" => "reserve 100 MiB, touch it at 10 MiB/s, sample VSZ/RSS/faults",
                            "100 MiB を確保し、毎秒 10 MiB ずつ触れて、VSZ・RSS・ページフォルトを測る（デマンドページング）";
    "list.faults" => "what one page fault costs, by kind (anon, THP, CoW, file, swap-in), as a distribution",
                     "ページフォルト1回にかかる時間を種類ごと（anon、THP、CoW、file、swap-in）に分布で示す";
    "list.filemap" => "map a file MAP_SHARED, write through memory, read it back",
                      "ファイルを MAP_SHARED でマップし、メモリを通して書き込み、読み戻す";
    "list.free" => "system memory as `free` shows it, with the document's definitions",
                   "free が示すシステムのメモリを、文書の定義とともに示す";
    "list.hugepage" => "4 KiB pages vs transparent huge pages: faults, VmPTE, fork time",
                       "4 KiB のページと透過的ヒュージページを比べる（ページフォルト、VmPTE、fork の時間）";
    "list.isolation" => "per-process address spaces; scattered physical frames",
                        "プロセスごとの仮想アドレス空間と、ばらばらに置かれた物理メモリ";
    "list.malloc" => "glibc malloc pools small blocks and mmaps large ones",
                     "glibc の malloc は小さなブロックをプールから取り、大きなブロックを mmap する";
    "list.oom" => "RLIMIT_AS exhaustion, and the OOM killer inside a memory cgroup",
                  "RLIMIT_AS を使い切ったときと、メモリ cgroup の中の OOM killer";
    "list.page-cache" => "read a file cold and warm: page cache, buff/cache and available",
                         "ファイルを初回と2回目に読む（ページキャッシュ、buff/cache、available）";
    "list.page-table" => "a flat table would be 256 GiB; VmPTE for dense and sparse touching",
                         "1段の表なら 256 GiB になる。ぎっしり触れた場合とまばらに触れた場合の VmPTE";
    "list.segv" => "a child writes to NULL and dies of SIGSEGV; other invalid addresses",
                   "子プロセスが NULL に書き込んで SIGSEGV で終わる。ほかの不正なアドレスも試す";
    "list.swap" => "page-out, swap-in faults and their cost, swap rescuing from OOM",
                   "ページアウト、スワップインのページフォルトとその時間、スワップによる OOM からの救済";
    "list.watch" => "sample a process tree's VSZ/RSS/faults every 1 ms or more",
                    "プロセスツリーの VSZ・RSS・ページフォルトを 1 ms 以上の間隔で測る";
    "list.all" => "run every experiment with quick defaults into a lab report",
                  "すべての実験を短い既定値で実行し、実験レポートにまとめる";
    "list.mmap" => "mmap 100 MiB and diff /proc/self/maps: VSZ grows, RSS does not",
                   "100 MiB を mmap して /proc/self/maps を比べる。VSZ は増えるが RSS は増えない";

    // ---- each check's claim, by message id (else by name) ----
    // cow
    "check.touch_faults_once_per_page" => "touching each page of a new region takes one page fault per page",
        "新しい領域の各ページに初めて触れると、ページごとに1回ページフォルトが起きる";
    "check.touch_faults_per_page_size" => "with huge pages, touching a region takes one fault per huge page",
        "ヒュージページでは、領域に触れたときのページフォルトはヒュージページ1つにつき1回になる";
    "check.fork_copies_no_data" => "fork() copies only the page tables: system memory grows by a few hundred KiB, not by the parent's size",
        "「fork()システムコールの実行後、かつ子プロセスによるメモリアクセス前のメモリ使用量は数百Kバイトしか増えていない」";
    "check.rss_counts_shared_pages_in_both" => "memory shared by parent and child is counted in each process's RSS",
        "「親プロセスと子プロセスで共有されているメモリはそれぞれのプロセスにおいて二重計上される」";
    "check.pss_splits_shared_pages" => "PSS splits each shared page between the processes that share it",
        "PSS では共有されたページが、共有するプロセスの間で等分に数えられる";
    "check.child_write_faults_once_per_page" => "the child's first write to each shared page is a page fault that copies it",
        "子プロセスが共有ページに初めて書き込むと、ページフォルトが起きてそのページがコピーされる（コピーオンライト）";
    "check.writes_grow_used_by_size" => "after the child writes every page, system memory has grown by the size",
        "「子プロセスによるメモリアクセス後にはページフォルトの数が増えており、かつ、システムのメモリ使用量が100Mバイト増えている」";
    "check.read_adds_no_faults" => "reading pages shared after fork takes no page faults",
        "fork() 後に共有されたページを読むだけなら、ページフォルトは起きない";
    "check.read_adds_no_memory" => "reading pages shared after fork copies nothing",
        "fork() 後に共有されたページを読むだけなら、物理メモリは増えない";
    "check.shared_faults_only_map" => "a MAP_SHARED region is not copied: the child's faults only map the pages",
        "MAP_SHARED の領域はコピーされない。子プロセスのページフォルトはページを対応付けるだけ";
    "check.shared_copies_nothing" => "writing a MAP_SHARED region after fork copies nothing",
        "fork() 後に MAP_SHARED の領域へ書き込んでも、物理メモリは増えない";
    "check.child_writes_stay_private" => "the child's writes to a private mapping are not seen by the parent",
        "子プロセスがプライベートなマッピングに書き込んだ内容は、親プロセスからは見えない";
    "check.parent_sees_child_writes" => "the child's writes to a MAP_SHARED region are seen by the parent",
        "子プロセスが MAP_SHARED の領域に書き込んだ内容は、親プロセスから見える";
    "check.getrusage_agrees_with_proc" => "getrusage() and /proc/PID/stat count the same page faults",
        "getrusage() と /proc/PID/stat は同じページフォルトの数を示す";
    // demand paging
    "check.vsz_grows_by_size_on_reserve" => "mmap() enlarges the virtual address space by the size at once",
        "mmap() を呼ぶと、仮想アドレス空間はその大きさだけすぐに増える";
    "check.rss_flat_on_reserve" => "reserving memory gives no physical memory yet",
        "メモリを確保しただけでは、物理メモリはまだ割り当てられない";
    "check.system_used_flat_on_reserve" => "reserving memory does not raise the system's used memory",
        "メモリを確保しただけでは、システムのメモリ使用量は増えない";
    "check.vsz_flat_while_touching" => "touching the pages does not change the virtual address space",
        "ページに触れても、仮想アドレス空間の大きさは変わらない";
    "check.rss_rises_at_rate" => "physical memory grows page by page as the pages are touched",
        "ページに触れるにつれて、物理メモリが1ページずつ割り当てられていく（デマンドページング）";
    "check.system_used_rises_at_rate" => "the system's used memory grows as the pages are touched",
        "ページに触れるにつれて、システムのメモリ使用量が増えていく";
    "check.faults_once_per_page" => "the first touch of each page is one page fault",
        "各ページに初めて触れたときに、ページフォルトが1回起きる";
    "check.faults_per_huge_page" => "with huge pages, one page fault per huge page",
        "ヒュージページでは、ヒュージページ1つにつきページフォルトが1回起きる";
    "check.rss_up_by_size_after_touching" => "after every page is touched, RSS has grown by the size",
        "すべてのページに触れた後、RSS はその大きさだけ増えている";
    "check.rss_flat_after_touching" => "once every page is touched, RSS stays where it is",
        "すべてのページに触れた後は、RSS はそれ以上増えない";
    "check.system_used_flat_after_touching" => "once every page is touched, the system's used memory stays where it is",
        "すべてのページに触れた後は、システムのメモリ使用量はそれ以上増えない";
    "check.system_used_back_after_exit" => "when the process ends, its memory is given back",
        "プロセスが終わると、そのメモリは解放される";
    // mmap
    "check.vsz_grew_by_size" => "mmap() enlarges the virtual address space by the size",
        "mmap() で仮想アドレス空間がその大きさだけ増える";
    "check.address_in_added_line" => "the address mmap() returned lies in the line it added to the memory map",
        "mmap() が返したアドレスは、メモリマップに加わった行の範囲にある";
    "check.rss_did_not_grow" => "mmap() alone gives no physical memory",
        "mmap() を呼んだだけでは、物理メモリは割り当てられない";
    "check.rss_grew_with_populate" => "with MAP_POPULATE, physical memory is given at once",
        "MAP_POPULATE を付けると、物理メモリがすぐに割り当てられる";
    // segv
    "check.killed_by_sigsegv" => "an access to memory the process may not touch ends it with a segmentation fault ({target})",
        "プロセスが触れてはいけないメモリにアクセスすると、SIGSEGV で強制終了される（{target}）";
    "check.si_code" => "the kernel tells why the access was refused ({target})",
        "カーネルはアクセスを拒んだ理由を伝える（{target}）";
    "check.si_addr" => "the kernel tells the address that was refused ({target})",
        "カーネルは拒んだアクセスのアドレスを伝える（{target}）";
    "check.after_line_never_printed" => "the process ends at the access: nothing after it runs ({target})",
        "プロセスはそのアクセスで終わり、その後の行は実行されない（{target}）";
    "check.no_core_dump" => "no core dump is written ({target})",
        "コアダンプは書き出されない（{target}）";
    // free
    "check.available_is_the_kernels_estimate" => "available is the kernel's estimate of the memory a program can still get",
        "「available : 実質的な空きメモリ」はカーネルが見積もった値である";
    "check.available_at_least_free_less_reserve" => "available is at least free less the kernel's reserve",
        "available は、free からカーネルの予約分を引いた値以上である";
    "check.available_at_most_free_plus_caches" => "available is at most free plus the caches the kernel can free",
        "available は、free に解放できるキャッシュを足した値以下である";
    // faults
    "check.major_fault_costs_more_than_minor" => "a major page fault (read from storage) costs far more than a minor one",
        "メジャーページフォルト（ストレージからの読み込み）は、マイナーページフォルトよりずっと時間がかかる";
    "check.swap_in_costs_more_than_minor" => "a page fault that reads from swap costs more than a minor one",
        "スワップから読み戻すページフォルトは、マイナーページフォルトより時間がかかる";
    "check.thp_fault_cheaper_than_512_small" => "one huge-page fault costs less than 512 small-page faults",
        "ヒュージページのページフォルト1回は、通常ページのページフォルト512回より短い時間で済む";
    "check.timings_add_up" => "the timings add up to the time measured around them",
        "各時間の合計は、その外側で測った時間と合う";
    "check.anon_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、無名メモリのページフォルトちょうど1回である";
    "check.thp_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、透過的ヒュージページのページフォルトちょうど1回である";
    "check.cow_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、コピーオンライトのページフォルトちょうど1回である";
    "check.file_minor_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、ファイル（マイナー）のページフォルトちょうど1回である";
    "check.file_major_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、ファイル（メジャー）のページフォルトちょうど1回である";
    "check.swap_in_one_fault_per_access" => "each timed access is exactly one page fault of its kind, as the kernel counts them",
        "時間を測った各アクセスは、カーネルの数えるとおり、スワップインのページフォルトちょうど1回である";
    // filemap
    "check.file_line_in_maps" => "a mapped file appears in the memory map with its path",
        "マップしたファイルは、そのパスとともにメモリマップに現れる";
    "check.mapping_reads_the_file" => "reading the mapping reads the file's contents",
        "マップした領域を読むと、ファイルの内容が読める";
    "check.write_reaches_the_file" => "writing the mapping writes the file",
        "マップした領域に書き込むと、ファイルに書き込まれる";
    "check.cold_read_takes_major_faults" => "reading a file not in the page cache through a mapping takes major faults",
        "ページキャッシュにないファイルをマップして読むと、メジャーページフォルトが起きる";
    // hugepage
    "check.base_pages_fault_once_per_page" => "with base pages, one page fault per 4 KiB page",
        "通常のページでは、4 KiB のページ1つにつきページフォルトが1回起きる";
    "check.thp_needs_far_fewer_faults" => "transparent huge pages need far fewer page faults",
        "透過的ヒュージページでは、ページフォルトがずっと少なくて済む";
    "check.hugetlb_needs_far_fewer_faults" => "hugetlb pages need far fewer page faults",
        "hugetlb のヒュージページでは、ページフォルトがずっと少なくて済む";
    "check.hugetlb_needs_far_fewer_page_table_bytes" => "hugetlb pages need far fewer page-table bytes",
        "hugetlb のヒュージページでは、ページテーブルに使うメモリがずっと少なくて済む";
    "check.thp_page_tables_are_the_deposit" => "a transparent huge page keeps one page-table page in reserve",
        "透過的ヒュージページは、ページテーブルのページを1つ予備として確保している";
    "check.thp_fork_is_faster" => "fork() of a process backed by huge pages is faster",
        "ヒュージページを使うプロセスの fork() は速い";
    "check.hugetlb_fork_is_faster" => "fork() of a process backed by hugetlb pages is faster",
        "hugetlb のヒュージページを使うプロセスの fork() は速い";
    // isolation
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
    // malloc
    "check.small_blocks_share_a_pool" => "small blocks come from one pool",
        "小さなブロックは1つのプールから割り当てられる";
    "check.pool_grew_for_small_blocks" => "the pool grows for small blocks",
        "小さなブロックのためにプールが大きくなる";
    "check.large_block_gets_own_mapping" => "a large block gets its own mmap() mapping",
        "大きなブロックには専用の mmap() のマッピングが作られる";
    "check.free_of_large_block_unmaps_it" => "free() of a large block gives its mapping back",
        "大きなブロックを free() すると、そのマッピングは解放される";
    "check.kernel_counts_more_than_asked" => "the kernel sees more memory used than the program asked for",
        "「自分が使用しているメモリ量を報告する機能を持つプログラムがあるが、そのプログラムが出す値と、Linuxから見たプロセス使用メモリ」は異なる";
    // oom
    "check.virtual_mmap_fails_with_enomem" => "reserving more virtual memory than allowed fails with ENOMEM",
        "許された以上の仮想メモリを確保しようとすると、ENOMEM で失敗する";
    "check.virtual_enomem_at_the_limit" => "mmap() fails at the limit",
        "mmap() は上限のところで失敗する";
    "check.virtual_child_survives" => "a failed reservation does not kill the process",
        "確保に失敗しても、プロセスは強制終了されない";
    "check.physical_child_killed_by_sigkill" => "running out of physical memory kills a process with SIGKILL (OOM killer)",
        "物理メモリが足りなくなると、OOM killer がプロセスを SIGKILL で強制終了する";
    "check.physical_killed_at_the_limit" => "the process is killed at the limit",
        "プロセスは上限のところで強制終了される";
    "check.oom_kill_counted" => "the kernel counts the OOM kill",
        "カーネルは OOM killer による強制終了を数えている";
    "check.memory_returned" => "the killed process's memory is given back",
        "強制終了されたプロセスのメモリは解放される";
    "check.cgroup_removed" => "memlab's cgroup is removed afterwards",
        "memlab が作った cgroup は後で削除される";
    // page cache
    "check.cold_read_from_device" => "the first read of a file comes from the storage device",
        "ファイルを初めて読むと、ストレージデバイスから読み込まれる";
    "check.warm_read_from_cache" => "the second read comes from the page cache",
        "2回目の読み込みはページキャッシュから行われる";
    "check.warm_read_faster" => "reading from the page cache is faster",
        "ページキャッシュからの読み込みは速い";
    "check.resident_after_read_is_size" => "after a read, the whole file is in the page cache",
        "読み込んだ後は、ファイル全体がページキャッシュに載っている";
    "check.drop_empties_the_file_cache" => "dropping the caches empties the file's page cache",
        "キャッシュを捨てると、そのファイルのページキャッシュは空になる";
    "check.cache_rises_by_size" => "the page cache grows by the file's size",
        "ページキャッシュはファイルの大きさだけ増える";
    "check.free_falls_by_size" => "free memory falls by the file's size",
        "空きメモリ（free）はファイルの大きさだけ減る";
    "check.available_barely_moves" => "available barely moves: the page cache can be freed",
        "available はほとんど変わらない。ページキャッシュは解放できるため";
    "check.cache_falls_after_drop" => "the page cache falls after dropping the caches",
        "キャッシュを捨てると、ページキャッシュは減る";
    // page table
    "check.real_tables_far_smaller_than_flat" => "real page tables are far smaller than one flat table",
        "実際のページテーブルは、1段の平らな表よりずっと小さい";
    "check.flat_table_would_be_256_gib" => "one flat table for the whole address space would take 256 GiB",
        "仮想アドレス空間全体を1段の表で表すと 256 GiB が必要になる";
    "check.dense_costs_8_bytes_per_page" => "densely touched memory costs 8 bytes of page table per page",
        "ぎっしり触れたメモリでは、ページテーブルは1ページにつき8バイトになる";
    "check.sparse_2m_costs_a_table_page_per_touch" => "touches 2 MiB apart each cost one page-table page",
        "2 MiB ごとに触れると、1回ごとにページテーブルのページが1つ必要になる";
    "check.sparse_1g_costs_two_table_pages_per_touch" => "touches 1 GiB apart each cost two page-table pages",
        "1 GiB ごとに触れると、1回ごとにページテーブルのページが2つ必要になる";
    // swap
    "check.pageout_moves_pages_to_swap" => "under memory pressure, pages move out to swap",
        "メモリが足りなくなると、ページがスワップに追い出される";
    "check.pageout_rss_falls" => "the process's RSS falls as its pages are swapped out",
        "ページがスワップアウトされると、プロセスの RSS は減る";
    "check.pageout_counted_in_vmstat" => "the kernel counts the pages swapped out",
        "カーネルはスワップアウトしたページを数えている";
    "check.swapin_is_a_major_fault" => "touching a swapped-out page is a major page fault",
        "スワップアウトされたページに触れると、メジャーページフォルトが起きる";
    "check.swapin_costs_more_than_minor" => "a swap-in costs more than a minor page fault",
        "スワップインは、マイナーページフォルトより時間がかかる";
    "check.rescue_survives_with_swap" => "with swap, a process larger than memory survives",
        "スワップがあれば、メモリより大きなプロセスも強制終了されない";
    "check.rescue_reread_swaps_in" => "reading its memory again swaps the pages in",
        "そのメモリを読み直すと、ページがスワップインされる";
    "check.no_swap_is_oom_killed" => "without swap, the same process is killed (OOM)",
        "スワップがなければ、同じプロセスは強制終了される（OOM）";
    // watch
    "check.sampled_peak_near_kernel_peak" => "the sampled peak RSS is close to the kernel's own peak",
        "測定した RSS の最大値は、カーネル自身の最大値に近い";
}
