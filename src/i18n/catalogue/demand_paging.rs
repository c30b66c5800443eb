//! The messages of `memlab demand-paging`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- the chart ----
    "demand_paging.title.chart" => "demand paging: {size} touched at {rate}",
        "デマンドページング: {size} に {rate} で触れる";
    "demand_paging.title.chart_vsz" => "VSZ (worker)", "VSZ（ワーカー）";
    "demand_paging.title.chart_rss" => "RSS (worker)", "RSS（ワーカー）";
    "demand_paging.title.chart_used" => "system used (adj.) above its lowest",
        "システムの使用量（補正後）の最低値からの増加";
    "demand_paging.title.chart_x" => "time (s)", "時間（秒）";

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

    // ---- narration ----
    "demand_paging.say.start" => "worker {pid}: reserve {size} then touch it at {rate} ({steps} steps of {step_kib} KiB), sampling every {interval}",
        "ワーカー {pid}: {size} を確保し、{rate} の速さで触れていきます（{step_kib} KiB ずつ {steps} 回）。{interval} ごとに測定します";

    // ---- notes ----
    "demand_paging.note.table_selection" => "the table shows {shown} of {rows} rows (the first and last of each phase, one per second or fewer); all are in --csv/--json",
        "表には {rows} 行のうち {shown} 行を示します（各段階の最初と最後の行と、1秒に1行以下）。すべての行は --csv/--json にあります";
    "demand_paging.note.used_adj" => "system used is `used` minus the free pages parked in per-CPU lists (mem_used_adj_kib); /proc/zoneinfo was re-read every {every} sample(s) and at each phase change",
        "システムの使用量は、`used` から CPU ごとのリストに置かれた空きページを引いた値です（mem_used_adj_kib）。/proc/zoneinfo は {every} 回の測定ごとと、段階が変わるたびに読み直しました";
    "demand_paging.note.interrupted" => "interrupted during {phase}: worker {pid} killed and reaped; checks that need the missing phases are skipped",
        "{phase} の段階で中断されました。ワーカー {pid} を終了させて回収しました。測れなかった段階が必要なチェックは行いません";

    // ---- errors ----
    "demand_paging.err.size_zero" => "--size must be more than 0 (e.g. --size 100M)",
        "--size は 0 より大きくしてください（例: --size 100M）";
    "demand_paging.err.interval_floor" => "--interval {interval} is below the 1ms floor (e.g. --interval 1ms)",
        "--interval {interval} は下限の 1ms より短すぎます（例: --interval 1ms）";
    "demand_paging.err.rate_zero" => "--rate must be more than 0 (e.g. --rate 10M/s)",
        "--rate は 0 より大きくしてください（例: --rate 10M/s）";
    "demand_paging.err.rate_too_slow" => "--rate {rate} would take {seconds} s to touch {size}: more than an hour (e.g. --rate 10M/s)",
        "--rate {rate} では {size} に触れ終わるまで {seconds} 秒かかり、1時間を超えます（例: --rate 10M/s）";
    "demand_paging.err.waiting" => "waiting for the worker", "ワーカーの応答を待てませんでした";
    "demand_paging.err.commanding" => "commanding the worker", "ワーカーに指示を送れませんでした";
    "demand_paging.err.reading_pipe" => "reading the worker's pipe", "ワーカーからのパイプを読めませんでした";
    "demand_paging.err.not_ready" => "the worker {pid} ended before it was ready",
        "ワーカー {pid} が準備を終える前に終了しました";
    "demand_paging.err.unexpected" => "unexpected message {msg} from the worker",
        "ワーカーから思いがけないメッセージ {msg} が届きました";
    "demand_paging.err.ended_before_reserving" => "the worker {pid} ended before reserving",
        "ワーカー {pid} がメモリを確保する前に終了しました";
    "demand_paging.err.hidepid" => "cannot read /proc/{pid} although the worker runs (/proc mounted with hidepid?)",
        "ワーカーは動いているのに /proc/{pid} を読めません（/proc が hidepid 付きでマウントされていませんか）";
    "demand_paging.err.died" => "the worker {pid} died unexpectedly ({how})",
        "ワーカー {pid} が思いがけず終了しました（{how}）";
    "demand_paging.err.reserve_failed" => "the worker could not reserve {size} bytes: {error}",
        "ワーカーは {size} バイトを確保できませんでした: {error}";

    // ---- option help ----
    "help.opt.demand-paging.size" => "How much the worker reserves and then touches (binary units: 100M = 100 MiB)",
        "ワーカーが確保して触れるメモリの大きさ（2進の単位: 100M = 100 MiB）";
    "help.opt.demand-paging.rate" => "How fast it touches, e.g. 10M/s (the document's pace), or max",
        "触れる速さ。例えば 10M/s（文書の速さ）、または max（できるだけ速く）";
    "help.opt.demand-paging.interval" => "Time between two samples (at least 1ms)",
        "測定の間隔（1ms 以上）";
    "help.opt.demand-paging.hold" => "How long each quiet phase (before-alloc, allocated, touched, exited) lasts; the document waits about a second",
        "何もしない各段階（before-alloc、allocated、touched、exited）の長さ。文書ではおよそ1秒待ちます";
    "help.opt.demand-paging.thp" => "Ask for transparent huge pages (MADV_HUGEPAGE, 2 MiB-aligned region) instead of 4 KiB pages",
        "4 KiB のページの代わりに透過的ヒュージページを求めます（MADV_HUGEPAGE、2 MiB 境界にそろえた領域）";
    "help.opt.demand-paging.force" => "Run even if SIZE is more than half of the available memory",
        "SIZE が利用可能なメモリの半分を超えていても実行します";
    // ---- reasons written into the data (found again for the reader) ----
    "why.demand_paging.few_samples" => "only {n} sample(s) while touching, {need} needed to fit a slope; use a shorter --interval",
        "ページに触れている間のサンプルが {n} 個しかありません。傾きを求めるには {need} 個必要です。--interval を短くしてください";
    "why.demand_paging.few_steps" => "RSS rises in {stair} KiB steps and the region holds only {stairs}: too few to fit a rate ({need} needed; use a larger --size)",
        "RSS は {stair} KiB ずつ段になって増え、領域にはその段が {stairs} 個しかありません。増える速さを求めるには少なすぎます（{need} 個必要です。--size を大きくしてください）";
    "why.demand_paging.no_span" => "the touching samples do not span any time",
        "ページに触れている間のサンプルに時間の幅がありません";
    "why.demand_paging.pace_not_kept" => "with the worker's own touches, which came at {rate} MiB/s: the worker was held back (CPU contention), so the rate was not delivered",
        "ワーカー自身がページに触れた速さは {rate} MiB/s でした。ワーカーが CPU の取り合いで遅れたため、指定した速さでは触れられませんでした";
    "why.demand_paging.no_fault_count" => "no fault count was recorded",
        "ページフォルトの回数が記録されていません";
    "why.demand_paging.under_huge" => "the region is {kib} KiB, under 2 MiB: it cannot hold a huge page, so the claim does not apply (use --size 2M or more)",
        "領域は {kib} KiB で 2 MiB に足りないため、ヒュージページが入りません。この主張は当てはまりません（--size 2M 以上を指定してください）";
    "why.demand_paging.thp_fallback" => "the kernel mapped {mapped} of {huge} huge pages (AnonHugePages {h} KiB) and fell back to 4 KiB pages for the rest (no free 2 MiB block, or the THP defrag mode)",
        "カーネルは {huge} 個のうち {mapped} 個だけをヒュージページで割り当て（AnonHugePages {h} KiB）、残りは 4 KiB のページにしました。空いた 2 MiB のブロックがないか、THP の defrag の設定のためです";
    "why.demand_paging.no_anon_huge" => "AnonHugePages was not recorded, so a fallback to 4 KiB pages cannot be told from a failure",
        "AnonHugePages が記録されていないため、4 KiB のページで代わりに割り当てたのか失敗なのかを見分けられません";
    "why.demand_paging.no_background" => "no quiet window (before-alloc, exited) had {n} samples to measure the host's background; use a longer --hold",
        "ホストの背景の動きを測るのに、{n} 個のサンプルがある静かな区間（before-alloc、exited）がありませんでした。--hold を長くしてください";
    "why.demand_paging.within_background" => "within the host's background",
        "ホストの背景の動きの範囲内";
}
