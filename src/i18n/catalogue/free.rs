//! The messages of `memlab free`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.available_is_the_kernels_estimate" => "available is the kernel's estimate of the memory a program can still get",
        "「available : 実質的な空きメモリ」はカーネルが見積もった値である";
    "check.available_at_least_free_less_reserve" => "available is at least free less the kernel's reserve",
        "available は、free からカーネルの予約分を引いた値以上である";
    "check.available_at_most_free_plus_caches" => "available is at most free plus the caches the kernel can free",
        "available は、free に解放できるキャッシュを足した値以下である";

    // ---- notes: the document's definitions ----
    "free.note.def.total" => "total      システムに搭載されている全メモリの量 — all memory installed in the system",
        "total      「システムに搭載されている全メモリの量」";
    "free.note.def.free" => "free       見かけ上の空きメモリ — memory that is free on the face of it",
        "free       「見かけ上の空きメモリ」";
    "free.note.def.buff_cache" => "buff/cache バッファキャッシュ、およびページキャッシュが利用するメモリ — memory used by the buffer cache and the page cache",
        "buff/cache 「バッファキャッシュ、およびページキャッシュが利用するメモリ」";
    "free.note.def.available" => "available  実質的な空きメモリ — memory that is free in practice: free plus kernel memory (most of the caches) that can be released when free runs short",
        "available  「実質的な空きメモリ」。「freeの値に空きメモリが足りなくなってきたら解放できるカーネル内メモリ領域のサイズを足したもの」";
    "free.note.used" => "used       the document's figure (procps < 4.0.1): total - free - buff/cache. procps 4.0.1 and later print total - available as `used`: that is `unavailable` here.",
        "used       文書の値（procps 4.0.1 より前）: total - free - buff/cache。procps 4.0.1 以降は total - available を `used` と表示します。ここではそれを `unavailable` と呼びます。";
    "free.note.available" => "available  the kernel's estimate: free - its reserve (zone high watermarks + lowmem reserves) + the reclaimable part of the page cache and of reclaimable kernel memory; with little page cache it is below free",
        "available  カーネルの見積もり: free からカーネルの予約分（ゾーンの high ウォーターマークと lowmem reserve）を引き、ページキャッシュと回収できるカーネルメモリのうち回収できる分を足した値です。ページキャッシュが少ないと free より小さくなります";
    "free.note.table_shows" => "the table shows {shown} of {total} samples (evenly spaced, the lowest available and the last); all are in --csv/--json",
        "表には {total} 個のサンプルのうち {shown} 個を示します（等間隔に選んだもの、available が最も低いもの、最後のもの）。すべて --csv/--json にあります";
    "free.note.rows_dropped" => "{dropped} rows were dropped: the reader of the output did not keep up",
        "{dropped} 行を捨てました。出力を読む側が追いつきませんでした";
    "free.note.reader_left" => "the reader of the output left: sampling stopped there",
        "出力を読む側がいなくなったので、そこで測定をやめました";

    // ---- narration (--watch) ----
    "free.say.sampling" => "sampling every {interval} until interrupted (Ctrl-C); a line a second here, the table at the end",
        "{interval} ごとに、中断される（Ctrl-C）まで測ります。ここには1秒に1行を示し、表は最後に示します";
    "free.say.sampling_count" => "sampling every {interval}, {n} times; a line a second here, the table at the end",
        "{interval} ごとに {n} 回測ります。ここには1秒に1行を示し、表は最後に示します";
    "free.say.live" => "{t} s  used {used}  free {free}  buff/cache {buff_cache}  available {available}  swap used {swap_used}",
        "{t} 秒  used {used}  free {free}  buff/cache {buff_cache}  available {available}  swap used {swap_used}";

    // ---- errors ----
    "free.err.count_needs_watch" => "--count needs --watch, e.g. --watch 1s --count 5",
        "--count には --watch が必要です（例: --watch 1s --count 5）";
    "free.err.count_zero" => "'0' samples: leave --count out to sample until interrupted, as free -s does (or e.g. --count 5)",
        "サンプル数に 0 は指定できません。中断するまで測るには、free -s と同じく --count を付けないでください（または --count 5 などとします）";
    "free.err.read_meminfo" => "reading /proc/meminfo", "/proc/meminfo の読み込み";
    "free.err.parse_meminfo" => "parsing /proc/meminfo", "/proc/meminfo の解析";

    // ---- option help ----
    "help.opt.free.watch" => "Sample every INTERVAL (e.g. 1s) instead of once: --count times, or until interrupted (Ctrl-C), as free -s",
        "1回ではなく INTERVAL（例: 1s）ごとに測ります。--count 回、または中断する（Ctrl-C）まで測ります（free -s と同じ）";
    "help.opt.free.count" => "With --watch: how many samples (without it, until interrupted, as free -s)",
        "--watch と使います: 測る回数（付けなければ、free -s と同じく中断するまで）";
    // ---- why.*: reasons written into the data in English (checks.rs) ----
    "why.free.missing" => "a figure it needs is absent here (MemAvailable needs Linux 3.14, /proc/zoneinfo and the file LRU lines of /proc/meminfo must be readable, the CPU count must be known for the tolerance)",
        "判定に必要な値がここではわかりません。MemAvailable には Linux 3.14 以降が必要です。/proc/zoneinfo と /proc/meminfo のファイル LRU の行が読めること、許容幅を決める CPU の数がわかることも必要です";
}
