//! The messages of `memlab page-cache`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- what it needs (memlab list) ----
    "needs.page-cache" => "a folder on a disk",
        "ディスク上のフォルダ";
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

    // ---- narration ----
    "page_cache.say.writing" => "writing a {size} test file in {folder} ({why}) and fsync",
        "{folder} に {size} のテストファイルを書き込み、fsync します（{why}）";
    "page_cache.say.progress" => "writing", "書き込み中";
    "page_cache.why.tmpdir" => "TMPDIR", "TMPDIR で指定されたフォルダ";
    "page_cache.why.default" => "the default temporary folder", "既定の一時フォルダ";
    "page_cache.why.var_tmp" => "/tmp is {why} (in memory), /var/tmp is on disk",
        "/tmp は {why}（メモリ上）で、/var/tmp はディスク上にあるため";
    "page_cache.why.other" => "{why}", "理由: {why}";
    "page_cache.say.file" => "file {path} ({len} bytes, {pages} pages) on {fs}",
        "ファイル {path}（{len} バイト、{pages} ページ、{fs} 上）";
    "page_cache.say.dropped" => "posix_fadvise(DONTNEED): {resident} of the file resident",
        "posix_fadvise(DONTNEED) で捨てました。ページキャッシュに残っているのはファイルのうち {resident} です";
    "page_cache.say.read" => "{step}: {read_s} s, major faults {majflt}, {device} read from the device; resident {before} → {after}",
        "{step}: {read_s} 秒。メジャーページフォルト {majflt} 回、デバイスからの読み込み {device}。ページキャッシュ上のファイルは {before} から {after} になりました";
    "page_cache.say.dropped_again" => "posix_fadvise(DONTNEED) again: resident {resident}",
        "もう一度 posix_fadvise(DONTNEED) で捨てました。ページキャッシュ上のファイルは {resident} です";
    "page_cache.say.unknown" => "unknown", "不明";

    // ---- notes and skipped parts ----
    "page_cache.note.mincore_blind" => "mincore cannot see the page cache of {path}: since Linux 5.0 it reports every page as resident to a process that neither owns the file nor may write it, so the file's residency is unknown here (empty cells); run as its owner or as root to see it",
        "mincore では {path} のページキャッシュが見えません。Linux 5.0 以降、ファイルの所有者でも書き込みできるプロセスでもなければ、mincore はすべてのページがキャッシュにあると答えます。そのためここではファイルのページキャッシュへの載り具合は不明です（空欄）。所有者か root で実行すると見えます";
    "page_cache.skip.residency" => "the file's residency (mincore cannot see it for a file you neither own nor may write)",
        "ファイルのページキャッシュへの載り具合（所有者でも書き込みもできないファイルは mincore で見えません）";
    "page_cache.note.swept" => "removed {n} test folder(s) in {folder} left by a memlab that was killed (SIGKILL)",
        "強制終了（SIGKILL）された memlab が {folder} に残したテスト用フォルダを {n} 個削除しました";
    "page_cache.note.test_file_tmpdir" => "test file made in {folder} (TMPDIR); it is removed at the end",
        "テストファイルは {folder}（TMPDIR で指定されたフォルダ）に作りました。最後に削除します";
    "page_cache.note.test_file_default" => "test file made in {folder} (the default temporary folder); it is removed at the end",
        "テストファイルは {folder}（既定の一時フォルダ）に作りました。最後に削除します";
    "page_cache.note.test_file_var_tmp" => "test file made in {folder} (/tmp is {why} (in memory), /var/tmp is on disk); it is removed at the end",
        "テストファイルは {folder} に作りました（/tmp は {why}（メモリ上）で、/var/tmp はディスク上にあるため）。最後に削除します";
    "page_cache.note.test_file_other" => "test file made in {folder} ({why}); it is removed at the end",
        "テストファイルは {folder} に作りました（{why}）。最後に削除します";
    "page_cache.note.fsync_failed" => "fsync {path} failed ({error}): its dirty pages, if any, stay in the cache",
        "{path} の fsync に失敗しました（{error}）。ダーティページがあれば、キャッシュに残ります";

    // ---- errors ----
    "page_cache.err.size_floor" => "the file needs at least one page", "ファイルには少なくとも1ページが必要です";
    "page_cache.err.opening" => "opening {path}", "{path} を開けません";
    "page_cache.err.size_of" => "reading the size of {path}", "{path} の大きさを読めません";
    "page_cache.err.file_in_memory" => "--file {path}: the file is on {fs}, which keeps files in memory only: its pages are never dropped from the page cache; give a file on a disk",
        "--file {path}: このファイルは {fs} 上にあります。{fs} はファイルをメモリ上にだけ置くので、そのページはページキャッシュから捨てられません。ディスク上のファイルを指定してください";

    // ---- the chart ----
    "page_cache.title.chart" => "page cache: a {size} file read cold, warm, dropped",
        "ページキャッシュ: {size} のファイルを初回と2回目に読み、捨てる";
    "page_cache.title.chart_x" => "time (s)", "時間（秒）";
    "page_cache.title.chart_y" => "MiB (system lines above their lowest)", "MiB（システムの線はそれぞれの最小値からの差）";
    "page_cache.title.series_cache" => "buff/cache", "buff/cache 全体";
    "page_cache.title.series_free" => "free (adj.)", "free 補正後";
    "page_cache.title.series_available" => "available (adj.)", "available 補正後";
    "page_cache.title.series_resident" => "file resident (mincore)", "キャッシュ上のファイル（mincore）";
    "page_cache.title.band_quiet_before" => "quiet before", "前の静かな区間";
    "page_cache.title.band_cold_read" => "cold read", "初回の読み込み";
    "page_cache.title.band_quiet_after" => "quiet after", "後の静かな区間";

    // ---- option help ----
    "help.opt.page-cache.size" => "Size of memlab's test file (default 256M)", "memlab のテストファイルの大きさ（既定 256M）";
    "help.opt.page-cache.file" => "Read this file instead of a test file of memlab's own. It is only read (its cached pages are dropped, its contents never change)",
        "memlab のテストファイルの代わりにこのファイルを読みます。読むだけです（キャッシュされたページは捨てますが、内容は変えません）";
    "help.opt.page-cache.force" => "Run even if the file is more than half of the available memory (or the test file more than half of the free disk space)",
        "ファイルが使えるメモリ（available）の半分を超えても（テストファイルならディスクの空きの半分を超えても）実行します";
    // ---- why.*: reasons written into the data in English (checks.rs) ----
    "why.page_cache.reclaimed_during_read" => "the host reclaimed {n} pages during the read (memory pressure evicts cache)",
        "読み込みの間にホストが {n} ページを回収しました（メモリが足りなくなると、ページキャッシュは追い出されます）";
    "why.page_cache.not_own_file" => "pages of your file that another process maps or has dirtied are not dropped",
        "指定したファイルのうち、ほかのプロセスがマップしているページや書き換えたページは捨てられません";
    "why.page_cache.already_cached" => "the file was already in the cache before the cold read",
        "初回の読み込みの前から、ファイルはページキャッシュに載っていました";
    "why.page_cache.residency_unknown" => "whether the file was out of the cache is unknown (mincore cannot see it; pages another process maps are never dropped)",
        "ファイルがページキャッシュから外れていたかどうかはわかりません（mincore ではこのファイルが見えません。ほかのプロセスがマップしているページは捨てられません）";
    "why.page_cache.left_between_reads" => "the cache lost {kib} KiB of the file between the reads",
        "2回の読み込みの間に、ファイルのうち {kib} KiB がページキャッシュから追い出されました";
    "why.page_cache.reclaimed_between_reads" => "the host reclaimed {n} pages between the reads",
        "2回の読み込みの間にホストが {n} ページを回収しました";
    "why.page_cache.cold_not_from_device" => "the cold read did not go to the device",
        "初回の読み込みでデバイスからの読み込みが起きませんでした";
}
