//! The messages of `memlab swap`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "why.swap.no_swap_expected" => "the same child, with swap denied to its cgroup, is killed by SIGKILL (oom_kill ≥ 1 where counted)",
        "スワップを使えない cgroup の中の同じ子プロセスは SIGKILL で強制終了される（数えられる場合は oom_kill が1以上）";
    "why.swap.no_swap_end" => "the child's end: {outcome}; oom_kill {count}",
        "子プロセスの終わり方: {outcome}。oom_kill {count}";
    "why.swap.no_end" => "no end was recorded", "終わり方は記録されていない";
    "why.swap.not_counted" => "not counted by this kernel", "このカーネルでは数えられない";
    // ---- what it needs (memlab list) ----
    "needs.swap" => "swap (or root with --swapfile); root or a delegated memory cgroup for the rescue",
        "スワップ（または root 権限で --swapfile）。救済の部分には root 権限か、委譲されたメモリ cgroup";
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

    // ---- narration ----
    "swap.say.skipped" => "skipped: {why}", "省略: {why}";
    "swap.say.host_swap" => "swap on this host: {areas}", "このホストのスワップ: {areas}";
    "swap.say.swapfile_made" => "the host has a temporary swap area while this run lasts: {path} ({size}, lowest priority, header written by memlab); it is swapped off and removed at the end",
        "この実行の間だけ、ホストに一時的なスワップ領域を追加しました: {path}（{size}、優先度は最低、ヘッダは memlab が書き込み）。最後にスワップを無効にして削除します";
    "swap.say.swapfile_removed" => "swapped off and removed {path}: the host has no swap again",
        "{path} のスワップを無効にして削除しました。ホストはまたスワップなしに戻りました";
    "swap.say.pageout_start" => "[page-out] a child maps {size} (4 KiB pages), writes every page, and pages it out with madvise(MADV_PAGEOUT)",
        "[ページアウト] 子プロセスが {size}（4 KiB のページ）をマップし、すべてのページに書き込んでから madvise(MADV_PAGEOUT) でページアウトします";
    "swap.say.pageout_done" => "[page-out] VmSwap {swap} KiB, RSS {rss} KiB; vmstat pswpout +{pswpout}, zswpout +{zswpout}, swpout_zero +{zero}",
        "[ページアウト] VmSwap {swap} KiB、RSS {rss} KiB。vmstat の pswpout +{pswpout}、zswpout +{zswpout}、swpout_zero +{zero}";
    "swap.say.retouched" => "[page-out] read back at once: {minor} minor + {major} major faults (pages still in the swap cache)",
        "[ページアウト] すぐに読み戻すと、マイナーページフォルト {minor} 回、メジャーページフォルト {major} 回（ページはまだスワップキャッシュにあります）";
    "swap.say.evicted" => "[page-out] after eviction: {major} major + {minor} minor faults, pswpin +{pswpin}, read-ahead +{ra} pages",
        "[ページアウト] スワップキャッシュから追い出した後に読み戻すと、メジャーページフォルト {major} 回、マイナーページフォルト {minor} 回、pswpin +{pswpin}、先読み +{ra} ページ";
    "swap.say.rescue_start" => "[rescue] a child in a cgroup limited to {limit} (swap allowed) touches {size}",
        "[救済] メモリを {limit} に制限した cgroup（スワップは許可）の中で、子プロセスが {size} に触れます";
    "swap.say.rescue_end" => "[rescue] with swap: {outcome} (VmSwap at the end of the writes: {swap} KiB)",
        "[救済] スワップあり: {outcome}（書き込み終了時の VmSwap: {swap} KiB）";
    "swap.say.no_swap_start" => "[no swap] the same child, with swap denied to its cgroup only ({mechanism})",
        "[スワップなし] 同じ子プロセスを、その cgroup にだけスワップを禁じて実行します（{mechanism}）";
    "swap.say.no_swap_end" => "[no swap] {outcome}", "[スワップなし] {outcome}";
    "swap.say.killed_by" => "killed by {signal}", "{signal} で強制終了されました";
    "swap.say.survived" => "survived, exit 0", "生き残り、終了ステータス 0 で終わりました";
    "swap.say.exit" => "exit {code}", "終了ステータス {code} で終わりました";
    "swap.say.ended" => "ended", "終了しました";

    // ---- notes ----
    "swap.note.settings" => "vm.swappiness {swappiness}, vm.page-cluster {page_cluster} (swap read-ahead reads up to {ra_pages} pages), VMA read-ahead {vma_ra}, zswap {zswap}",
        "vm.swappiness {swappiness}、vm.page-cluster {page_cluster}（スワップの先読みは最大 {ra_pages} ページ）、VMA の先読み {vma_ra}、zswap {zswap}";
    "swap.note.swapfile_removed" => "the temporary swap file {path} was swapped off and removed",
        "一時的なスワップファイル {path} はスワップを無効にして削除しました";
    "swap.note.swept" => "swept: {line}", "前回の実行が残したものを片付けました: {line}";
    "swap.note.swapfile_unused" => "the host has swap, so --swapfile is not used (nothing is added)",
        "ホストにスワップがあるので、--swapfile は使いません（何も追加しません）";

    // ---- skipped parts (the English starts with the part, as the checks read it) ----
    "swap.skip.no_swap_root" => "all parts: this host has no swap; `memlab swap --swapfile 256M` adds a temporary swap file for the run",
        "すべての部分: このホストにはスワップがありません。`memlab swap --swapfile 256M` で、実行の間だけ一時的なスワップファイルを追加できます";
    "swap.skip.no_swap_user" => "all parts: this host has no swap; as root, `memlab swap --swapfile 256M` adds a temporary swap file for the run",
        "すべての部分: このホストにはスワップがありません。root なら `memlab swap --swapfile 256M` で、実行の間だけ一時的なスワップファイルを追加できます";
    "swap.skip.swapfile_needs_root" => "all parts: adding a swap file needs root (CAP_SYS_ADMIN)",
        "すべての部分: スワップファイルの追加には root（CAP_SYS_ADMIN）が必要です";
    "swap.skip.swapon_refused" => "all parts: swapon was refused (no CAP_SYS_ADMIN here, e.g. in a container)",
        "すべての部分: swapon が拒否されました（ここには CAP_SYS_ADMIN がありません。コンテナの中など）";
    "swap.skip.swapon_failed" => "all parts: swapon {path} failed: {error}", "すべての部分: {path} の swapon に失敗しました: {error}";
    "swap.skip.pageout_no_room" => "pageout: swap has {free} free, too little to take --size {size} (with a quarter to spare)",
        "ページアウト: スワップの空きは {free} で、--size {size}（と余裕の4分の1）を入れるには足りません";
    "swap.skip.pageout_needs_5_4" => "pageout: madvise(MADV_PAGEOUT) needs Linux 5.4 or later",
        "ページアウト: madvise(MADV_PAGEOUT) には Linux 5.4 以降が必要です";
    "swap.skip.pageout_failed" => "pageout: {error}", "ページアウト: {error}";
    "swap.skip.rescue" => "rescue: {why}", "救済: {why}";
    "swap.skip.no_swap" => "no-swap: {why}", "スワップなし: {why}";
    "swap.skip.rescue_no_cgroup" => "rescue: no memory cgroup controller was found",
        "救済: メモリ cgroup のコントローラが見つかりません";
    "swap.skip.no_swap_no_cgroup" => "no-swap: no memory cgroup controller was found",
        "スワップなし: メモリ cgroup のコントローラが見つかりません";
    "swap.skip.rescue_no_room" => "rescue: swap has {free} free, less than twice the {need} the child must put there",
        "救済: スワップの空きは {free} で、子プロセスが追い出す {need} の2倍に足りません";
    "swap.skip.no_swap_no_room" => "no-swap: swap has {free} free, less than twice the {need} the child must put there",
        "スワップなし: スワップの空きは {free} で、子プロセスが追い出す {need} の2倍に足りません";
    "swap.skip.cost" => "cost: no read-back took a major fault to time (page-out and rescue parts did not run)",
        "時間: 時間を測れるメジャーページフォルトを起こした読み戻しがありません（ページアウトと救済の部分が実行されませんでした）";

    // ---- errors ----
    "swap.err.size_floor" => "page-out and read-ahead need some pages", "ページアウトと先読みを見るには、ある程度のページが必要です";
    "swap.err.swapfile_floor" => "it must hold --size with a quarter to spare (and the page-out needs that room)",
        "--size と余裕の4分の1が入る大きさが必要です（ページアウトにその空きが要ります）";
    "swap.err.limit" => "--limit {limit} must be at least 4M (a process needs room to run in) and below --size {size} (the child must need more than its cgroup allows; e.g. --limit {example}M)",
        "--limit {limit} は 4M 以上（プロセスが動く余地が必要です）、かつ --size {size} 未満（子プロセスが cgroup の上限より多く必要とするように）にしてください。例: --limit {example}M";
    "swap.err.swap_dir" => "--swap-dir {dir}: {error}", "--swap-dir {dir} を使えません: {error}";
    "swap.err.swap_dir_fs" => "--swap-dir {dir} is on {fs}, which cannot hold a swap file; give a folder on ext4, XFS or btrfs (e.g. --swap-dir /var/tmp)",
        "--swap-dir {dir} は {fs} 上にあり、スワップファイルを置けません。ext4、XFS、btrfs 上のフォルダを指定してください（例: --swap-dir /var/tmp）";
    "swap.err.swapfile_space" => "--swapfile {size} is more than half of the {free} free in {dir}; use a smaller size or another --swap-dir",
        "--swapfile {size} は {dir} の空き {free} の半分を超えます。小さくするか、別の --swap-dir を指定してください";
    "swap.err.ended_writes" => "the child ended during the writes", "書き込みの途中で子プロセスが終了しました";
    "swap.err.ended_pageout" => "the child ended during the page-out", "ページアウトの途中で子プロセスが終了しました";
    "swap.err.ended_readback" => "the child ended during the read-back", "読み戻しの途中で子プロセスが終了しました";
    "swap.err.ended_pageout_again" => "the child ended during the second page-out", "2回目のページアウトの途中で子プロセスが終了しました";
    "swap.err.ended_evicted_readback" => "the child ended during the evicted read-back", "追い出した後の読み戻しの途中で子プロセスが終了しました";
    "swap.err.ended_reread" => "the child ended during the re-read", "読み直しの途中で子プロセスが終了しました";
    "swap.err.child_not_ready" => "the child ended before it was ready", "子プロセスが準備を終える前に終了しました";
    "swap.err.child_cgroup" => "the child could not join its cgroup: {error}", "子プロセスが cgroup に入れませんでした: {error}";
    "swap.err.waiting" => "waiting for the child", "子プロセスを待っている間のエラー";
    "swap.err.reply" => "reading the child's reply", "子プロセスの返事を読めません";
    "swap.err.child_step" => "the child's {what}", "子プロセスの {what}";

    // ---- option help ----
    "help.opt.swap.size" => "Memory the child maps and writes (4 KiB pages)", "子プロセスがマップして書き込むメモリ（4 KiB のページ）";
    "help.opt.swap.limit" => "Memory limit of the rescue part's cgroups (default: half of --size)", "救済の部分の cgroup のメモリ上限（既定: --size の半分）";
    "help.opt.swap.swapfile" => "As root on a host without swap: a temporary swap file of this size for the run (e.g. 256M)",
        "スワップのないホストで root のとき: 実行の間だけ使う、この大きさの一時的なスワップファイル（例: 256M）";
    "help.opt.swap.swap_dir" => "Folder for the temporary swap file (ext4, XFS or btrfs)", "一時的なスワップファイルを置くフォルダ（ext4、XFS、btrfs）";
    "help.opt.swap.force" => "Run even if --size is more than half of the available memory", "--size が使えるメモリ（available）の半分を超えても実行します";
    // ---- reasons written into the data (found again for the reader) ----
    "why.swap.no_quiet" => "no quiet window was measured, so other processes' swapping cannot be told apart",
        "静かな区間を測っていないため、ほかのプロセスのスワップと見分けられません";
    "why.swap.few_timed" => "fewer than {n} timed faults of a kind",
        "時間を測ったページフォルトが {n} 回に足りない種類があります";
    "why.swap.spread" => "the spread of minor-fault times hides the difference",
        "マイナーフォルトの時間のばらつきに差が隠れています";
    "why.swap.counters_rise" => "pswpout + zswpout + swpout_zero rise by SIZE",
        "pswpout、zswpout、swpout_zero の合計が SIZE だけ増える";
    "why.swap.rows_pageout" => "rows for the written and paged-out steps",
        "written と paged-out の段階の行がある";
    "why.swap.ended_before_pageout" => "the page-out part ended before paging out",
        "ページアウトの部分が、ページアウトする前に終わりました";
    "why.swap.row_readback" => "a row for the evicted read-back",
        "追い出した後に読み直した段階の行がある";
    "why.swap.ended_before_readback" => "the page-out part ended before the evicted read-back",
        "ページアウトの部分が、追い出した後に読み直す前に終わりました";
}
