//! The one table of messages, in parts: the words every command shares in
//! `core`, then one file per experiment and `lab` for `all` and `report`.
//! Each entry holds its English and its Japanese text together, with the same `{name}` placeholders (a test checks it).
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

/// One part of the table: `pub static MESSAGES` in the module it is used in.
macro_rules! catalogue {
    ($($id:literal => $en:literal, $ja:literal;)*) => {
        /// This part's messages.
        pub static MESSAGES: &[Message] = &[$(Message { id: $id, en: $en, ja: $ja }),*];
    };
}
pub(crate) use catalogue;

mod cow;
mod demand_paging;
mod faults;
mod filemap;
mod free;
mod hugepage;
mod isolation;
mod lab;
mod malloc;
mod mmap;
mod oom;
mod page_cache;
mod page_table;
mod segv;
mod shared;
mod swap;
mod watch;

/// Every part of the table.
pub static PARTS: &[&[Message]] = &[
    core::MESSAGES,
    cow::MESSAGES,
    demand_paging::MESSAGES,
    mmap::MESSAGES,
    segv::MESSAGES,
    free::MESSAGES,
    faults::MESSAGES,
    filemap::MESSAGES,
    hugepage::MESSAGES,
    isolation::MESSAGES,
    malloc::MESSAGES,
    oom::MESSAGES,
    page_cache::MESSAGES,
    page_table::MESSAGES,
    swap::MESSAGES,
    watch::MESSAGES,
    lab::MESSAGES,
    shared::MESSAGES,
];

/// Every message memlab renders in the reader's language.
pub fn messages() -> impl Iterator<Item = &'static Message> {
    PARTS.iter().flat_map(|p| p.iter())
}

mod core {
    use super::Message;

    super::catalogue! {
        // ---- the text view of a report ----
        "ui.measured" => "measured {measured} (expected {expected})",
                         "測定値 {measured}（期待値 {expected}）";
        "ui.why_unknown" => "; why: {why}", "。判定できない理由: {why}";
        "ui.interrupted" => "INTERRUPTED: what was measured before the signal is shown below",
                            "中断されました: シグナルの前に測定できた分を以下に示します";
        "ui.skipped" => "skipped: {why}", "省略: {why}";
        "ui.tally.none" => "no checks", "チェックはありません";
        // Counting words a check's figure may carry (data keeps the English).
        "unit.faults" => "faults", "回";
        "unit.count" => "count", "個";
        "unit.pages" => "pages", "ページ";
        "unit.ratio" => "ratio", "倍";
        "unit.bytes" => "bytes", "バイト";
        "ui.tally.all_skipped" => "skipped here (no checks ran)", "このホストでは省略（チェックなし）";
        "ui.tally.held" => "{held} of {total} held", "{total} 件中 {held} 件の主張が成り立ちました";
        "ui.tally.failed" => ", {n} did not hold", "。{n} 件は成り立ちませんでした";
        "ui.tally.inconclusive" => ", {n} inconclusive", "。{n} 件は判定できませんでした";
        "ui.range.between" => "{lo} to {hi} {unit}", "{lo} {unit} 以上 {hi} {unit} 以下";
        "ui.range.at_least" => "at least {lo} {unit}", "{lo} {unit} 以上";
        "ui.range.at_most" => "at most {hi} {unit}", "{hi} {unit} 以下";
        "ui.explain.no_ja" => "(This page is not yet in Japanese; the English page follows.)",
                             "（この実験の日本語のページはまだありません。英語のページを表示します。）";

        "ui.host" => "host: {host} {arch} · kernel {kernel} · page {page} B · THP {thp} · overcommit {overcommit} · cgroup {cgroup}",
                     "ホスト: {host} {arch}、カーネル {kernel}、ページ {page} B、THP {thp}、overcommit {overcommit}、cgroup {cgroup}";
        "ui.host.root" => "{host} · root", "{host}、root 権限";
        "ui.rows_shown" => "({shown} of {total} rows shown; all are in --csv/--json)",
                           "（{total} 行のうち {shown} 行を表示。すべての行は --csv/--json にあります）";
        "ui.no_chart" => "(no chart: this run has nothing to plot)",
                         "（グラフなし: この実行には描くものがありません）";
        // Listings beside the rows (`maps_diff*` measurements): `title.KEY`,
        // else the key itself.
        "title.maps_diff" => "Lines the mapping added to or removed from /proc/PID/maps",
                             "マッピングで /proc/PID/maps に増えた行と消えた行";
        "title.maps_diff_small" => "Lines the small blocks added to or removed from /proc/PID/maps",
                                   "小さなブロックで /proc/PID/maps に増えた行と消えた行";
        "title.maps_diff_large" => "Lines the large blocks added to or removed from /proc/PID/maps",
                                   "大きなブロックで /proc/PID/maps に増えた行と消えた行";

        // ---- memlab's own errors (err.*): kernel texts and clap's stay English inside ----
        "err.line" => "memlab: error: {what}", "memlab: エラー: {what}";
        "err.warning" => "memlab: warning: {what}", "memlab: 警告: {what}";
        "err.see_help" => "{what} (see memlab --help)", "{what}（memlab --help を参照してください）";
        "err.one_of" => "{what} (one of: {values})", "{what}（指定できる値: {values}）";
        "err.clap" => "{what}", "コマンドラインが正しくありません: {what}";
        "err.value" => "invalid value '{value}' for '{arg}'", "{arg} の値 '{value}' は使えません";
        "err.value.why" => "invalid value '{value}' for '{arg}': {why}", "{arg} の値 '{value}' は使えません: {why}";
        "err.bad_command_line" => "bad command line", "コマンドラインが正しくありません";
        "err.utf8.any" => "an argument is not valid UTF-8", "引数のどれかが正しい UTF-8 ではありません";
        "err.utf8.option" => "the value of {option} is not valid UTF-8 ('{value}')",
                             "{option} の値が正しい UTF-8 ではありません（'{value}'）";
        "err.utf8.nth" => "argument {n} ('{value}') is not valid UTF-8",
                          "{n} 番目の引数（'{value}'）が正しい UTF-8 ではありません";
        "err.written_anyway" => "{why}; what was measured was written",
                                "{why}。それまでに測定した分は書き出しました";
        "err.worker_died" => "the worker died before the run ended; what was measured was written",
                             "実行が終わる前にワーカーが終了しました。それまでに測定した分は書き出しました";
        "err.run_stopped" => "the run stopped on an error; what was measured was written",
                             "エラーで実行が止まりました。それまでに測定した分は書き出しました";
        "err.stdout_write" => "could not write to stdout: {cause}",
                              "標準出力に書き込めませんでした: {cause}";
        "err.write_failed" => "could not write {flag} {what}: {cause}",
                              "{flag} {what} を書き込めませんでした: {cause}";
        "err.dest.stdout" => "stdout", "標準出力";
        "err.dest.fd" => "descriptor {fd}", "ディスクリプタ {fd}";
        "err.writing" => "writing {path}", "{path} の書き込み中";
        // output paths, refused before a run (exit 2)
        "err.out.plot_stdout" => "--plot needs a file path, e.g. --plot chart.svg",
                                 "--plot にはファイルのパスが必要です（例: --plot chart.svg）";
        "err.out.stdout_closed" => "{flag} goes to stdout, which was closed when memlab started; give a file, e.g. {flag} {example}",
                                   "{flag} の出力先の標準出力は memlab の起動時に閉じられていました。ファイルを指定してください（例: {flag} {example}）";
        "err.out.both_stdout" => "--csv and --json cannot both go to stdout; give one a file, e.g. --json run.json",
                                 "--csv と --json の両方を標準出力に書くことはできません。どちらかにファイルを指定してください（例: --json run.json）";
        "err.out.same_file" => "{flag} {shown} is the same file as {other}; give each output its own path",
                               "{flag} {shown} は {other} と同じファイルです。出力ごとに別のパスを指定してください";
        "err.out.stdout_redirected" => "stdout is redirected into {other}, which is also an output; give that output another path",
                                       "標準出力が出力先の {other} にリダイレクトされています。その出力には別のパスを指定してください";
        "err.out.fd_closed" => "{flag} '{shown}': {which} was closed when memlab started; give a file, e.g. {flag} {example}",
                               "{flag} '{shown}': {which} は memlab の起動時に閉じられていました。ファイルを指定してください（例: {flag} {example}）";
        "err.out.fd_read_only" => "{flag} '{shown}': descriptor {fd} is open for reading only",
                                  "{flag} '{shown}': ディスクリプタ {fd} は読み込み専用で開かれています";
        "err.out.fd_not_open" => "{flag} '{shown}': descriptor {fd} is not open",
                                 "{flag} '{shown}': ディスクリプタ {fd} は開かれていません";
        "err.out.needs_path" => "{flag} needs a file path, e.g. {flag} {example}",
                                "{flag} にはファイルのパスが必要です（例: {flag} {example}）";
        "err.out.is_folder" => "{flag} '{path}' is a folder; give a file path, e.g. {flag} {example}",
                               "{flag} '{path}' はフォルダです。ファイルのパスを指定してください（例: {flag} {example}）";
        "err.out.not_regular" => "{flag} '{path}' is not a regular file; give a file path, e.g. {flag} {example}",
                                 "{flag} '{path}' は通常のファイルではありません。ファイルのパスを指定してください（例: {flag} {example}）";
        "err.out.no_cwd" => "{flag} '{path}': the working folder no longer exists; give a full path",
                            "{flag} '{path}': 作業フォルダがもうありません。フルパスを指定してください";
        "err.out.no_folder" => "{flag} '{path}': folder '{dir}' does not exist",
                               "{flag} '{path}': フォルダ '{dir}' がありません";
        "err.out.cannot_create" => "{flag} '{path}': cannot create a file in folder '{dir}' ({cause})",
                                   "{flag} '{path}': フォルダ '{dir}' にファイルを作れません（{cause}）";
        "err.out.no_space" => "{flag} '{path}': only {free} free on the filesystem of folder '{dir}', and a run writes up to about {need}; free some space or write elsewhere",
                              "{flag} '{path}': フォルダ '{dir}' のファイルシステムの空きは {free} だけですが、実行では最大 {need} ほど書き込みます。空きを作るか、別の場所に書き出してください";
        // sizes, rates, intervals, counts as the user types them
        "err.example" => "{why} ({example})", "{why}（{example}）";
        "err.size.example" => "e.g. 100M, 4K, 1G or 4096", "例: 100M、4K、1G、4096";
        "err.size.empty" => "empty size", "サイズが空です";
        "err.size.negative" => "size '{raw}' is negative", "サイズ '{raw}' が負の値です";
        "err.size.no_number" => "size '{raw}' has no number", "サイズ '{raw}' に数字がありません";
        "err.size.unit" => "size '{raw}' has an unknown unit '{unit}'",
                           "サイズ '{raw}' の単位 '{unit}' は使えません";
        "err.size.not_number" => "size '{raw}' is not a number", "サイズ '{raw}' は数ではありません";
        "err.size.too_large" => "size '{raw}' is too large", "サイズ '{raw}' が大きすぎます";
        "err.size.fraction" => "size '{raw}' is not a whole number of bytes",
                               "サイズ '{raw}' がバイト単位の整数になりません";
        "err.size.zero" => "size '{raw}' must be more than 0", "サイズ '{raw}' は 0 より大きくしてください";
        "err.count" => "'{raw}' is not a whole number from {lo} to {hi} (e.g. {example})",
                       "'{raw}' は {lo} 以上 {hi} 以下の整数ではありません（例: {example}）";
        "err.rate.example" => "e.g. 10M/s or max", "例: 10M/s、max";
        "err.rate.per_s" => "rate '{raw}' needs '/s'", "速度 '{raw}' には '/s' が必要です";
        "err.rate.size" => "rate '{raw}': {why}", "速度 '{raw}': {why}";
        "err.interval.example" => "e.g. 100ms, 1s or 1ms", "例: 100ms、1s、1ms";
        "err.interval.negative" => "interval '{raw}' is negative", "間隔 '{raw}' が負の値です";
        "err.interval.no_number" => "interval '{raw}' has no number", "間隔 '{raw}' に数字がありません";
        "err.interval.no_unit" => "interval '{raw}' needs a unit", "間隔 '{raw}' には単位が必要です";
        "err.interval.unit" => "interval '{raw}' has an unknown unit '{unit}'",
                               "間隔 '{raw}' の単位 '{unit}' は使えません";
        "err.interval.not_number" => "interval '{raw}' is not a number", "間隔 '{raw}' は数ではありません";
        "err.interval.too_long" => "interval '{raw}' is too long (at most a week)",
                                   "間隔 '{raw}' が長すぎます（最長1週間）";
        "err.interval.zero" => "interval '{raw}' must be more than 0", "間隔 '{raw}' は 0 より大きくしてください";
        "err.interval.below_1ms" => "interval '{raw}' is below 1ms, the shortest memlab takes",
                                    "間隔 '{raw}' は memlab が扱える最短の 1ms より短いです";
        // what memlab was doing when the kernel said no (probe/, sys/):
        // the kernel's own text follows in English
        "err.out_of_memory" => "memlab: error: out of memory for memlab itself (an address-space or memory limit is too tight); nothing more was written",
                               "memlab: エラー: memlab 自身のメモリが足りません（アドレス空間かメモリの制限が厳しすぎます）。これ以上は何も書き出していません";
        "err.limit.stack" => "memlab: error: the stack limit (ulimit -s) is below the 512 KiB memlab needs; raise it, e.g. ulimit -s 8192",
                             "memlab: エラー: スタックの制限（ulimit -s）が memlab に必要な 512 KiB より小さいです。制限を上げてください（例: ulimit -s 8192）";
        "err.limit.as" => "memlab: error: the address-space limit (ulimit -v, prlimit --as) is below the 64 MiB memlab needs for itself; raise it, e.g. ulimit -v unlimited",
                          "memlab: エラー: アドレス空間の制限（ulimit -v、prlimit --as）が memlab 自身に必要な 64 MiB より小さいです。制限を上げてください（例: ulimit -v unlimited）";
        "err.sys.reading" => "reading {path}", "{path} を読んでいるとき";
        "err.sys.reading_at" => "reading {path} at {addr}", "{path} の {addr} を読んでいるとき";
        "err.sys.opening" => "opening {path}", "{path} を開いているとき";
        "err.sys.parsing" => "parsing {path}", "{path} を解析しているとき";
        "err.sys.creating" => "creating {path}", "{path} を作っているとき";
        "err.sys.removing" => "removing {path}", "{path} を消しているとき";
        "err.sys.syncing" => "syncing {path}", "{path} をディスクに書き出しているとき";
        "err.sys.locking" => "locking {path}", "{path} をロックしているとき";
        "err.sys.writing_lock" => "writing the lock", "ロックファイルに書き込んでいるとき";
        "err.sys.lock_held" => "another memlab swap run (pid {pid}) holds {path}; wait for it to end",
                               "ほかの memlab swap の実行（pid {pid}）が {path} を使っています。終わるまで待ってください";
        "err.sys.nocow" => "setting no-copy-on-write on {path} (btrfs)",
                           "{path} にコピーオンライトなしの属性を付けているとき（btrfs）";
        "err.sys.reserving" => "reserving {size} bytes for {path}", "{path} に {size} バイトを確保しているとき";
        "err.sys.swap_header" => "writing the swap header of {path}", "{path} にスワップのヘッダを書いているとき";
        "err.sys.swapoff" => "swapoff {path} failed ({cause}); run `swapoff {path} && rm {path}` (or the next memlab swap run as root will)",
                             "swapoff {path} が失敗しました（{cause}）。`swapoff {path} && rm {path}` を実行してください（root で次に memlab swap を実行しても片付きます）";
        "err.sys.swapoff_nomem" => "swapoff {path} failed ({cause}); there is not enough free memory to take back the pages in it; free some memory, then run `swapoff {path} && rm {path}` (or the next memlab swap run as root will)",
                                   "swapoff {path} が失敗しました（{cause}）。スワップにあるページを戻すだけの空きメモリがありません。メモリを空けてから `swapoff {path} && rm {path}` を実行してください（root で次に memlab swap を実行しても片付きます）";
        "err.sys.too_long" => "reading {path}: longer than {n} bytes", "{path} を読んでいるとき: 内容が {n} バイトより長いです";
        "err.sys.not_utf8" => "reading {path}: not UTF-8", "{path} を読んでいるとき: 内容が UTF-8 ではありません";
        "err.sys.first_open" => "opening {path} failed when first tried", "{path} は最初に開こうとしたときに開けませんでした";
        "err.sys.no_field" => "no {name} field", "{name} の欄がありません";
        "err.sys.not_number" => "{name} is not a number", "{name} が数ではありません";
        "err.sys.no_paren" => "no ')' after the command name", "コマンド名のあとに ')' がありません";
        "err.sys.no_line" => "{path} has no {name} line", "{path} に {name} の行がありません";
        "err.sys.kb" => "{key}: {value} is not a number of kB", "{key}: {value} は kB 単位の数ではありません";
        "err.sys.meminfo_lines" => "a line of MemTotal, MemFree, Buffers, Cached, SwapTotal, SwapFree is missing",
                                   "MemTotal、MemFree、Buffers、Cached、SwapTotal、SwapFree のどれかの行がありません";
        "err.sys.address_space" => "size does not fit in the address space", "サイズがアドレス空間に収まりません";
        "err.sys.map_zero" => "cannot map 0 bytes", "0 バイトはマップできません";
        "err.sys.mmap_of" => "mmap of {size}", "{size} の mmap";
        "err.sys.mmap_null" => "mmap returned NULL", "mmap が NULL を返しました";
        "err.sys.no_thp" => "this kernel has no transparent huge pages", "このカーネルには透過的ヒュージページがありません";
        "err.sys.signal_pipe" => "creating the signal pipe", "シグナル用のパイプを作っているとき";
        "err.sys.signal_handlers" => "installing signal handlers", "シグナルハンドラを設定しているとき";
        "err.sys.waiting" => "waiting for child {pid}", "子プロセス {pid} を待っているとき";
        "err.sys.threads" => "internal error: fork requested while memlab runs {threads} threads",
                             "内部エラー: memlab が {threads} 個のスレッドで動いているときに fork が求められました";
        "err.sys.alignment" => "internal error: alignment {align} for {len} bytes",
                               "内部エラー: {len} バイトに対して境界 {align} が求められました";
        "err.sys.cpu" => "CPU number {cpu}", "CPU 番号 {cpu}";
        // explain, help, judge
        "err.explain.unknown" => "unknown experiment '{name}' (e.g. memlab explain cow; memlab list shows all)",
                                 "'{name}' という実験はありません（例: memlab explain cow。すべての実験は memlab list で表示されます）";
        "err.help.unknown" => "no command '{name}' (e.g. memlab help cow; memlab list shows every experiment)",
                              "'{name}' というコマンドはありません（例: memlab help cow。すべての実験は memlab list で表示されます）";
        "err.judge.cannot_read" => "cannot read '{path}' ({cause}); give a JSON that memlab wrote, e.g. memlab cow --json cow.json",
                                   "'{path}' を読めません（{cause}）。memlab が書き出した JSON を指定してください（例: memlab cow --json cow.json）";
        "err.judge.not_json" => "'{path}' is not JSON ({cause}); give a JSON that memlab wrote",
                                "'{path}' は JSON ではありません（{cause}）。memlab が書き出した JSON を指定してください";
        "err.judge.not_memlab" => "'{path}' is not a memlab JSON (no experiment, meta and rows)",
                                  "'{path}' は memlab の JSON ではありません（experiment、meta、rows がありません）";
        "err.judge.schema" => "'{path}' has schema_version {version}; this memlab reads {reads}",
                              "'{path}' の schema_version は {version} です。この memlab が読めるのは {reads} です";
        "err.judge.no_schema" => "'{path}' has no schema_version (written by a memlab before 0.2); this memlab reads {reads}",
                                 "'{path}' には schema_version がありません（0.2 より前の memlab が書いたものです）。この memlab が読めるのは {reads} です";
        "err.judge.unknown_experiment" => "'{path}' is a run of '{name}', which this memlab does not know",
                                          "'{path}' は '{name}' の実行結果ですが、この memlab はその実験を知りません";
        "err.judge.rows_cut" => "'{path}' holds {n} rows of the {took} its run took: rows were removed or the file was cut; memlab judges a whole file",
            "'{path}' には、実行で取った {took} 行のうち {n} 行しかありません。行が消されたか、ファイルが途中で切れています。memlab が判定するのはファイル全体です";
        "err.judge.nothing_left" => "'{path}' recorded {had} checks, but its rows now hold nothing to judge: rows were removed",
            "'{path}' には {had} 件のチェックが記録されていますが、その行からはもう何も判定できません。行が消されています";
        "err.judge.unreadable" => "'{path}' is not a memlab JSON this memlab can read: {cause}",
                                  "'{path}' はこの memlab が読める memlab の JSON ではありません: {cause}";

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
        "section.watch" => "(the document's ps loop)", "（文書の ps のループ）";
        "section.faults" => "(every section: the page fault behind each mechanism)",
            "（すべての節: それぞれのしくみの裏にあるページフォルト）";
        "html.interrupted" => "Interrupted: partial results.", "中断されました。途中までの結果です。";
        "html.interrupted_tally" => "interrupted: {tally}", "中断: {tally}";
        "html.parameters" => "Parameters:", "パラメータ:";
        "html.skipped" => "Skipped:", "省略:";
        "html.data" => "Data:", "データ:";

        // ---- output streams ----
        "out.partial_kept" => "{partial} is there, left by a run that did not finish; it is kept (this run writes {chosen} until it ends)",
                              "{partial} があります。終わらなかった実行が残したものなので、そのまま残します（この実行は終わるまで {chosen} に書きます）";
        "out.partials_kept" => "{partials} are there, left by runs that did not finish; they are kept (this run writes {chosen} until it ends)",
                              "{partials} があります。終わらなかった実行が残したものなので、そのまま残します（この実行は終わるまで {chosen} に書きます）";
        "out.last_rows_not_taken" => "{output}: the reader did not take the last rows; they were not written",
                                     "{output}: 読み手が最後の行を受け取らなかったため、それらの行は書き出されませんでした";
        "out.reader_left" => "the reader of the output left: sampling stopped there",
                             "出力の読み手がいなくなったため、そこで測定をやめました";
        "out.rows_dropped" => "{n} rows were dropped: the reader of the output did not keep up",
                              "出力の読み手が追いつかなかったため、{n} 行を書き出せませんでした";

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
        "help.arg.json" => "Write {schema_version, experiment, ended_by, meta, params, measurements, summary, columns, rows, checks, notes, skipped, said, interrupted, table_rows, table_hide} as JSON to PATH (no PATH or `-`: stdout); a run that streams its rows writes ended_by, measurements and summary after rows",
                           "{schema_version, experiment, ended_by, meta, params, measurements, summary, columns, rows, checks, notes, skipped, said, interrupted, table_rows, table_hide} を JSON で PATH に書き出します（PATH なしか `-` なら標準出力）。行を取りながら書き出す実行では、ended_by、measurements、summary は rows の後に来ます";
        "help.arg.quiet" => "No narration and no progress bar", "途中経過の説明も進行表示も出しません";
        "help.arg.plot" => "Draw an SVG chart to PATH", "SVG のグラフを PATH に描きます";
        "help.lang" => "Language of what memlab prints: ja or en (default: the locale's)",
                       "表示する言語: ja または en（既定はロケールに従います）";

        "help.flag.help" => "Print help (see more with '--help')", "ヘルプを表示します（'--help' なら詳しく）";
        "help.flag.help_long" => "Print help (see a summary with '-h')", "ヘルプを表示します（'-h' なら要約）";
        "help.flag.version" => "Print version", "バージョンを表示します";
        "help.default" => " [default: {values}]", "（既定値: {values}）";
        "help.possible" => " [possible values: {values}]", "（指定できる値: {values}）";
        "help.possible_heading" => "Possible values:", "指定できる値:";
        "help.heading.usage" => "Usage:", "使い方:";
        "help.heading.commands" => "Commands", "コマンド";
        "help.heading.options" => "Options", "オプション";
        "help.heading.arguments" => "Arguments", "引数";
        "help.exit_status" => "Exit status:
  0    every check held (or was inconclusive)
  1    memlab could not run, an output could not be written, or a worker died
  2    bad usage: a bad option or value, decided before anything runs
  3    a check did not hold
  130  interrupted (SIGINT, SIGTERM, SIGHUP, SIGQUIT); what was measured is written
When several apply: 2, then 130, then 1, then 3. `memlab watch -- CMD` exits
with CMD's status instead (see memlab explain watch).",
                             "終了ステータス:
  0    すべてのチェックで主張が成り立った（または判定できなかった）
  1    memlab を実行できなかった、出力を書き込めなかった、またはワーカーが終了した
  2    使い方の誤り: オプションや値が正しくない（実行の前に判定します）
  3    成り立たなかったチェックがある
  130  中断された（SIGINT、SIGTERM、SIGHUP、SIGQUIT）。それまでに測定した分は書き出します
複数が当てはまるときは 2、130、1、3 の順です。`memlab watch -- CMD` は CMD の
終了ステータスで終了します（memlab explain watch を参照）。";

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
    }
}
