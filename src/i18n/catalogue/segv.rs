//! The messages of `memlab segv`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
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

    // ---- narration ----
    "segv.say.outcome" => "[{target}] child wrote {lines}; {ending}",
        "[{target}] 子プロセスが書いた行: {lines}。{ending}";
    "segv.say.lines_before_only" => "\"before invalid access\" and never \"after invalid access\"",
        "「before invalid access」だけ（「after invalid access」は書かれませんでした）";
    "segv.say.lines_both" => "both lines (the access did not fault!)",
        "両方の行（アクセスでフォルトが起きませんでした!）";
    "segv.say.lines_none" => "nothing", "なし";
    "segv.say.killed" => "killed by {signal}", "{signal} で強制終了されました";
    "segv.say.exited" => "exited with status {code}", "終了ステータス {code} で終了しました";
    "segv.say.ended" => "ended", "終了しました";

    // ---- notes ----
    "segv.note.min_addr" => "vm.mmap_min_addr = {value} ({hex}): no process may map below it, so a NULL write always faults",
        "vm.mmap_min_addr = {value}（{hex}）: これより下にはどのプロセスもマップできないので、NULL への書き込みは必ずフォルトになります";
    "segv.note.min_addr_unknown" => "vm.mmap_min_addr = unknown: no process may map below it, so a NULL write always faults",
        "vm.mmap_min_addr は読めませんでした。これより下にはどのプロセスもマップできないので、NULL への書き込みは必ずフォルトになります";

    // ---- errors ----
    "segv.err.unknown_target" => "row of target '{target}': not a target of this memlab's segv",
        "対象 '{target}' の行: この memlab の segv にはない対象です";
    "segv.err.read_lines" => "reading the child's lines", "子プロセスが書いた行の読み込み";
    "segv.err.read_fault" => "reading the fault report", "フォルトの報告の読み込み";

    // ---- option help ----
    "help.opt.segv.target" => "Which invalid access(es) to try, comma-separated (`null` is accepted for `null-page`)",
        "試す不正なアクセス（カンマ区切りで複数可。null-page は `null` とも書けます）";
    "help.val.segv.target.null-page" => "Write to address 0 (`null` is accepted too). Named `null-page`, not `null`: pandas and DuckDB read a cell `null` as missing",
        "アドレス 0 に書き込みます（`null` とも書けます）。`null` ではなく `null-page` という名前なのは、pandas や DuckDB が `null` というセルを欠損値として読むからです";
    "help.val.segv.target.low" => "Write to an address under vm.mmap_min_addr (never mappable)",
        "vm.mmap_min_addr より下のアドレスに書き込みます（決してマップできません）";
    "help.val.segv.target.kernel" => "Write to a kernel address (mapped, but only in kernel mode)",
        "カーネルのアドレスに書き込みます（マップされていますが、カーネルモードでしか使えません）";
    "help.val.segv.target.readonly" => "Write to a page mapped read-only (SEGV_ACCERR)",
        "読み取り専用でマップしたページに書き込みます（SEGV_ACCERR）";
    "help.val.segv.target.unmapped" => "Write to a page that was just unmapped (a hole)",
        "アンマップしたばかりのページに書き込みます（穴）";
    "help.val.segv.target.all" => "Every target above",
        "上のすべて";
    // ---- why.*: words of the checks' data in English (checks.rs) ----
    "why.segv.no_fault" => "no fault reported", "フォルトの報告なし";
    "why.segv.no_core" => "no core dumped", "コアダンプなし";
    "why.segv.core" => "core dumped", "コアダンプあり";
    "why.segv.before_only" => "\"before invalid access\" and never \"after invalid access\"",
        "「before invalid access」だけが書かれ、「after invalid access」は書かれなかった";
    "why.segv.both_lines" => "both lines (the access did not fault!)",
        "両方の行が書かれた（アクセスでフォルトが起きなかった）";
    "why.segv.expect_lines" => "before printed, after not", "before は書かれ、after は書かれない";
}
