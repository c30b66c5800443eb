//! The messages of `memlab faults`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- the values of --kinds, in its help ----
    "help.val.faults.kinds.anon" => "First write to a private anonymous 4 KiB page (demand paging)",
        "プライベートな無名 4 KiB ページへの最初の書き込み（デマンドページング）";
    "help.val.faults.kinds.thp" => "First write to each 2 MiB transparent huge page",
        "2 MiB の透過的ヒュージページそれぞれへの最初の書き込み";
    "help.val.faults.kinds.cow" => "First write in a forked child to a page the parent touched (copy-on-write)",
        "fork した子プロセスが、親が触れたページに初めて書き込む（コピーオンライト）";
    "help.val.faults.kinds.file-minor" => "First read of a file page that is in the page cache",
        "ページキャッシュにあるファイルのページを初めて読む";
    "help.val.faults.kinds.file-major" => "First read of a file page that is not in memory (read from the device)",
        "メモリにないファイルのページを初めて読む（デバイスから読み込む）";
    "help.val.faults.kinds.swap-in" => "First access to an anonymous page that was paged out to swap",
        "スワップへページアウトされた無名ページへの最初のアクセス";
    // ---- what it needs (memlab list) ----
    "needs.faults" => "swap for the swap-in kind (the rest runs without)",
        "swap-in の種類にはスワップ（ほかの種類はなしで実行できます）";
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
    // ---- narration ----
    "faults.say.clock" => "one clock read costs {ns} ns ({clocksource}); timing every fault on CPU {cpu}",
        "時計の読み取り1回に {ns} ns かかります（{clocksource}）。CPU {cpu} に固定して、ページフォルトの時間を1回ずつ測ります";
    "faults.say.clock_unpinned" => "one clock read costs {ns} ns ({clocksource}); timing every fault on CPU (not pinned)",
        "時計の読み取り1回に {ns} ns かかります（{clocksource}）。CPU を固定できないまま、ページフォルトの時間を1回ずつ測ります";
    "faults.say.clocksource_unknown" => "clocksource unknown", "クロックソース不明";
    "faults.say.round" => "round {round} {kind} {n} accesses, {minor} minor / {major} major faults counted",
        "ラウンド {round} {kind} アクセス {n} 回、数えたページフォルト: マイナー {minor} 回、メジャー {major} 回";

    // ---- notes ----
    "faults.note.thp_size_available" => "--thp-size {asked} is more than half of the {room} available (MemAvailable): {used} used instead ({n} huge pages)",
        "--thp-size {asked} は利用可能なメモリ {room}（MemAvailable）の半分を超えるため、代わりに {used}（ヒュージページ {n} 個）を使いました";
    "faults.note.thp_size_cgroup" => "--thp-size {asked} is more than half of the {room} left under memlab's cgroup memory limit: {used} used instead ({n} huge pages)",
        "--thp-size {asked} は memlab の cgroup のメモリ上限までの残り {room} の半分を超えるため、代わりに {used}（ヒュージページ {n} 個）を使いました";
    "faults.note.rows" => "{n} timed faults; the rows (kind, round, seq, ns) are in the CSV and JSON, the distribution of each kind in the summary",
        "{n} 回のページフォルトの時間を測りました。行（kind、round、seq、ns）は CSV と JSON に、種類ごとの分布はまとめにあります";

    // ---- skipped kinds ----
    "faults.skip.no_swap" => "swap-in: this host has no swap (memlab swap --swapfile 256M, as root, shows swap on its own)",
        "swap-in: このホストにはスワップがありません（スワップそのものは、root で memlab swap --swapfile 256M を実行すると確かめられます）";
    "faults.skip.no_thp" => "thp: this kernel has no transparent huge pages",
        "thp: このカーネルには透過的ヒュージページがありません";
    "faults.skip.thp_never" => "thp: transparent huge pages are off on this host (enabled = never)",
        "thp: このホストでは透過的ヒュージページが無効です（enabled = never）";
    "faults.skip.no_folder" => "file-minor, file-major: no folder on disk takes the test file ({tried})",
        "file-minor, file-major: テスト用のファイルを置けるディスク上のフォルダがありません（{tried}）";

    // ---- errors ----
    "faults.err.size_min" => "the 4 KiB kinds need at least 256 timed faults",
        "4 KiB の種類では、少なくとも 256 回のページフォルトの時間を測る必要があります";
    "faults.err.thp_size_min" => "one huge page is 2 MiB", "ヒュージページ1つは 2 MiB です";
    "faults.err.no_huge_page" => "not even one 2 MiB huge page fits in the memory available",
        "利用可能なメモリには、2 MiB のヒュージページが1つも収まりません";
    "faults.err.reading_timings" => "reading the child's timings",
        "子プロセスが測った時間を読み込めませんでした";
    "faults.err.cow_interrupted" => "interrupted while the copy-on-write child ran",
        "コピーオンライトの子プロセスの実行中に中断されました";
    "faults.err.cow_ended" => "the copy-on-write child ended before it sent its timings ({how})",
        "コピーオンライトの子プロセスが、測った時間を送る前に終わりました（{how}）";
    "faults.err.cow_count" => "the copy-on-write child sent {got} timings for {n} pages",
        "コピーオンライトの子プロセスが、{n} ページに対して {got} 個の時間を送ってきました";
    "faults.err.how_signal" => "killed by {signal}", "{signal} で強制終了";
    "faults.err.how_status" => "exit status {code}", "終了ステータス {code}";
    "faults.err.how_ended" => "ended", "終了";
    "faults.err.how_running" => "still running", "まだ実行中";
    "faults.err.no_test_file" => "no test file", "テスト用のファイルがありません";
    "faults.err.create_file" => "creating an unnamed test file in {dir}",
        "{dir} に名前のないテスト用のファイルを作れませんでした";
    "faults.err.file_interrupted" => "interrupted while writing the test file",
        "テスト用のファイルの書き込み中に中断されました";
    "faults.err.write_file" => "writing the test file", "テスト用のファイルに書き込めませんでした";
    "faults.err.fsync_file" => "fsync of the test file", "テスト用のファイルを fsync できませんでした";
    "faults.err.read_file" => "reading the test file", "テスト用のファイルを読めませんでした";

    // ---- the chart ----
    "faults.title.chart" => "Time per page fault, by kind", "ページフォルト1回の時間（種類ごと）";
    "faults.title.x" => "time per fault, log10 ns (3 = 1 µs, 4 = 10 µs, 5 = 100 µs)",
        "ページフォルト1回の時間、log10 ns（3 = 1 マイクロ秒、4 = 10 マイクロ秒、5 = 100 マイクロ秒）";
    "faults.title.y" => "% of that kind's faults", "その種類のページフォルトに占める割合（%）";

    // ---- option help (the English is the doc comment) ----
    "help.opt.faults.size" => "Size of the region (and test file) for the 4 KiB kinds: SIZE/4 KiB timed faults each",
        "4 KiB の種類で使う領域（とテスト用のファイル）の大きさ。種類ごとに SIZE/4 KiB 回のページフォルトの時間を測ります";
    "help.opt.faults.thp_size" => "Size of the region for the thp kind: one timed fault per 2 MiB",
        "thp の種類で使う領域の大きさ。2 MiB ごとに1回のページフォルトの時間を測ります";
    "help.opt.faults.rounds" => "Rounds per kind, interleaved (A B C A B C), each prepared afresh",
        "種類ごとのラウンド数。種類を交互に（A B C A B C）実行し、ラウンドごとに準備し直します";
    "help.opt.faults.kinds" => "Which kinds, comma-separated (default: every kind that can run here)",
        "測る種類をコンマ区切りで指定します（既定: このホストで実行できるすべての種類）";
    "help.opt.faults.histogram" => "Also write the histogram (kind,bucket_lo_ns,bucket_hi_ns,count; 8 buckets per power of two) as CSV to PATH",
        "ヒストグラム（kind,bucket_lo_ns,bucket_hi_ns,count。2倍ごとに8区間）も CSV で PATH に書き出します";
    "help.opt.faults.force" => "Run even if a region is more than half of the available memory",
        "領域が利用可能なメモリの半分を超えても実行します";
    // ---- reasons written into the data (found again for the reader) ----
    "why.faults.slow_clock" => "one clock read costs {overhead} ns, not under {pct}% of the cheapest kind's median ({p50} ns): the clock is too slow here (no vDSO clocksource?) to time single faults",
        "時計を1回読むのに {overhead} ns かかり、最も速い種類の中央値（{p50} ns）の {pct}% を下回りません。この環境の時計は遅すぎて（vDSO の clocksource がないのかもしれません）、ページフォルト1回ずつの時間を測れません";
    "why.faults.compacted" => "the kernel compacted memory ({stalls} direct compaction stalls) during every thp round: the timings include compaction, not only the fault",
        "thp のどのラウンドでも、カーネルがメモリのコンパクションをしました（直接コンパクションによる停止が {stalls} 回）。測った時間にはページフォルトだけでなくコンパクションも入っています";
    "why.faults.few_thp" => "only {n} huge-page faults outside compaction, under the {min} a median needs to stand against preemption (a larger --thp-size gives more)",
        "コンパクションの外で起きたヒュージページのページフォルトは {n} 回だけです。プリエンプションに負けない中央値には {min} 回必要です（--thp-size を大きくすると増えます）";
    "why.faults.preempted" => "the timings missed in {n} round(s), each preempted (involuntary context switches) during its loop",
        "{n} ラウンドで時間の合計が合いませんでしたが、どれもループの途中でプリエンプトされていました（非自発的なコンテキストスイッチ）";
    "why.faults.no_round" => "no round could be judged",
        "判定できるラウンドがありませんでした";
    "why.faults.thp_expected" => "thp median < {n} × anon median, over the rounds without direct compaction",
        "thp の中央値が anon の中央値の {n} 倍より小さい（直接コンパクションのなかったラウンドで）";
}
