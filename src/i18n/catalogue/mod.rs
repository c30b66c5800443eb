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
        "help.exit_status" => "Exit status:
  0    every check held (or was inconclusive)
  1    memlab could not run, an output could not be written, or a worker died
  2    bad usage: a bad option or value, decided before anything runs
  3    a check did not hold
  130  interrupted (SIGINT, SIGTERM, SIGHUP, SIGQUIT); what was measured is written
When several apply: 2, then 130, then 1, then 3. `memlab watch -- CMD` exits
with CMD's status instead (see memlab explain watch).",
            "終了ステータス:
  0    すべてのチェックが成り立った（または判定できなかった）
  1    memlab を実行できなかった、出力を書き込めなかった、またはワーカーが異常終了した
  2    使い方の誤り: オプションや値が正しくない（何かを実行する前に判断します）
  3    成り立たなかったチェックがある
  130  中断された（SIGINT、SIGTERM、SIGHUP、SIGQUIT）。測った分は書き出します
複数に当てはまるときは 2、130、1、3 の順です。`memlab watch -- CMD` は代わりに
CMD の終了ステータスで終了します（memlab explain watch を参照）。";
        "help.usage" => "Usage:", "使い方:";
        "help.arguments" => "Arguments", "引数";
        "help.options" => "Options", "オプション";
        "help.commands" => "Commands", "コマンド";
        "help.help_flag" => "Print help", "ヘルプを表示します";
        "help.version_flag" => "Print version", "バージョンを表示します";
        "help.default" => "default: {value}", "既定値: {value}";
        "help.possible" => "possible values: {value}", "指定できる値: {value}";
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
    }
}
