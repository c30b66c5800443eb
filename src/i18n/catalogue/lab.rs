//! The messages of `memlab all` and `memlab report`: progress, notes,
//! errors and option help.

use super::Message;

super::catalogue! {
    // ---- memlab all: progress and each part's line ----
    "lab.say.progress" => "experiments", "実験";
    "lab.say.not_run" => "not run: {why}", "実行しませんでした: {why}";
    "lab.say.interrupted" => "interrupted: {tally}", "中断されました: {tally}";
    "lab.say.worker_died" => "its worker died: {tally}", "測定対象のプロセスが途中で終了しました: {tally}";
    "lab.say.error" => "stopped on an error: {tally}", "エラーで止まりました: {tally}";
    "lab.say.output_failed" => "an output failed: {tally}", "出力ファイルを書き出せませんでした: {tally}";
    "lab.say.wrote" => "wrote {path} ({secs} s)", "{path} を書き出しました（{secs} 秒）";

    // ---- memlab all: why a part did not run (memlab's own reasons) ----
    "lab.why.remove" => "cannot remove the older {file}: {error}",
                        "前回の {file} を削除できません: {error}";
    "lab.why.signal" => "ended by {signal}", "{signal} で終了しました";
    "lab.why.bad_json" => "its JSON does not parse: {error}", "書き出した JSON を読めません: {error}";
    "lab.why.interrupted" => "interrupted before it wrote anything",
                             "何も書き出さないうちに中断されました";
    "lab.why.no_json" => "it wrote no JSON", "JSON を書き出しませんでした";

    // ---- memlab all: errors ----
    "lab.err.locked" => "another memlab all (pid {pid}) is writing into '{dir}'; wait for it to end or give another --out",
                        "別の memlab all（pid {pid}）が「{dir}」に書き込んでいます。終わるのを待つか、別の --out を指定してください";
    "lab.err.no_lock" => "--out '{dir}': cannot make a lock file in it; e.g. --out lab",
                         "--out「{dir}」にロックファイルを作れません。例: --out lab";
    "lab.err.not_a_folder" => "--out '{dir}' is not a folder; give a folder, e.g. --out lab",
                              "--out「{dir}」はフォルダではありません。フォルダを指定してください（例: --out lab）";
    "lab.err.create" => "--out '{dir}' cannot be created ({error}); e.g. --out lab",
                        "--out「{dir}」を作れません（{error}）。例: --out lab";
    "lab.err.not_writable" => "--out '{dir}' is not writable; e.g. --out lab",
                              "--out「{dir}」に書き込めません。例: --out lab";

    // ---- the lab report page (html.rs) ----
    "lab.html.intro_took" => "Every experiment of the memory-management chapter that can run on this host, run with quick defaults by `memlab all` in {secs} s. Each section gives the document's claim, what was measured, and whether the claim held here.",
                             "メモリ管理の章の実験のうち、このホストで実行できるものを `memlab all` が短い既定値で実行しました（{secs} 秒）。実験ごとに、文書の主張、測定した値、そしてその主張がここで成り立ったかを示します。";
    "lab.html.rows_shown" => "The table shows {shown} of the {rows} rows; the CSV has all of them.",
                             "表には {rows} 行のうち {shown} 行を示します。CSV にはすべての行があります。";
    "lab.html.fact.host" => "host", "ホスト名";
    "lab.html.fact.time" => "time (UTC)", "時刻（UTC）";
    "lab.html.fact.kernel" => "kernel", "カーネル";
    "lab.html.fact.page_size" => "page size", "ページサイズ";
    "lab.html.fact.memory" => "memory", "物理メモリ";
    "lab.html.fact.swap" => "swap", "スワップ";
    "lab.html.fact.thp" => "THP enabled / defrag", "THP の設定（enabled / defrag）";
    "lab.html.fact.cgroup" => "memory cgroup", "メモリ cgroup";
    "lab.html.fact.limit" => "{cgroup} (limit {limit})", "{cgroup}（上限 {limit}）";
    "lab.html.fact.root" => "root", "root 権限";
    "lab.html.fact.vm" => "virtual machine", "仮想マシン";
    "lab.html.yes" => "yes", "はい";
    "lab.html.no" => "no", "いいえ";
    "lab.html.none" => "none", "なし";

    // ---- memlab report ----
    "report.say.wrote" => "wrote {path}", "{path} を書き出しました";
    "report.say.left_out" => "memlab: left out: {why}", "memlab: 読み込まずに除外しました: {why}";
    "report.err.labels" => "{labels} --label for {dirs} folders; give one per folder, in order, or none",
                           "フォルダ {dirs} 個に対して --label が {labels} 個です。フォルダごとに順に1つずつ指定するか、まったく指定しないでください";
    "report.err.not_a_folder" => "'{dir}' cannot be read as a folder ({error}); give a folder of memlab JSON files, e.g. memlab all --out lab",
                                 "「{dir}」をフォルダとして読めません（{error}）。memlab の JSON ファイルがあるフォルダを指定してください（例: memlab all --out lab）";
    "report.err.no_json" => "'{dir}' holds no memlab JSON this memlab can read (e.g. memlab all --out {dir})",
                            "「{dir}」には、この memlab が読める JSON がありません（例: memlab all --out {dir}）";
    "report.title.compare" => "memlab: {n} labs compared", "memlab: {n} か所の実験結果の比較";
    "report.title.hosts" => "Hosts", "ホスト";
    "report.title.claims" => "Claims", "主張";
    "report.title.figures" => "Key figures", "主な数値";
    "report.title.charts" => "Charts", "グラフ";
    "report.cell.held" => "held", "成立";
    "report.cell.not_held" => "not held", "不成立";
    "report.cell.inconclusive" => "inconclusive", "判定不能";
    "report.no_chart" => "no chart", "グラフはありません";

    // ---- option help ----
    "help.opt.all.out" => "Folder for the CSV, JSON, SVG files and report.html (created if missing)",
                          "CSV、JSON、SVG ファイルと report.html を書き出すフォルダ（なければ作ります）";
    "help.opt.report.dirs" => "Folders of JSON files memlab wrote (`memlab all --out DIR`, or single runs' --json)",
                              "memlab が書き出した JSON ファイルのフォルダ（`memlab all --out DIR`、または個々の実行の --json）";
    "help.opt.report.out" => "The HTML page to write", "書き出す HTML ページ";
    "help.opt.report.label" => "A label per folder, in order (default: the folder's name)",
                               "フォルダごとのラベルを順に指定します（既定はフォルダ名）";
    "help.opt.report.csv" => "Also write the comparison as CSV (several folders)",
                             "比較を CSV にも書き出します（フォルダが複数のとき）";
    "help.opt.report.rejudge" => "Judge every run again with this memlab's rules instead of showing the recorded verdicts",
                                 "記録された判定を示す代わりに、この memlab の規則ですべての実行結果を判定し直します";
    "help.opt.report.quiet" => "No narration", "途中経過の説明を出しません";
    "help.opt.judge.path" => "A JSON file that memlab wrote (`--json PATH` of any experiment)",
                             "memlab が書き出した JSON ファイル（各実験の `--json PATH`）";
    "help.opt.explain.name" => "Experiment name, e.g. cow", "実験の名前（例: cow）";
    "help.opt.help.command" => "A command, e.g. cow", "コマンドの名前（例: cow）";
}
