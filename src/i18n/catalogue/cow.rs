//! The messages of `memlab cow`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
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

    // ---- narration ----
    "cow.say.touch" => "touching {size} ({pages} pages of {page_kib} KiB, {mapping}) in the parent",
        "親プロセスが {size}（{page_kib} KiB のページ {pages} 個、{mapping}）に書き込んで触れます";
    "cow.say.progress" => "touching", "書き込み中";
    "cow.say.fork" => "fork()", "fork() を呼びます";
    "cow.say.child_write" => "the child writes every page", "子プロセスがすべてのページに書き込みます";
    "cow.say.child_read" => "the child reads every page", "子プロセスがすべてのページを読みます";

    // ---- notes and skipped parts ----
    "cow.note.thp_never" => "THP is `never` on this host: MADV_HUGEPAGE gets no huge pages, so the counts follow 4 KiB pages",
        "このホストの THP は `never` です。MADV_HUGEPAGE を指定してもヒュージページは得られないので、数は 4 KiB のページに従います";
    "cow.note.fork_took_write" => "fork took {fork_us} µs; the child's write took {faults} minor faults",
        "fork() にかかった時間は {fork_us} マイクロ秒でした。子プロセスの書き込みでマイナーフォルトが {faults} 回起きました";
    "cow.note.fork_took_read" => "fork took {fork_us} µs; the child's read took {faults} minor faults",
        "fork() にかかった時間は {fork_us} マイクロ秒でした。子プロセスの読み込みでマイナーフォルトが {faults} 回起きました";
    "cow.note.child_killed" => "the child {pid} was killed by {signal} before its {stage} report; what was measured until then is kept",
        "子プロセス {pid} は {stage} の報告の前に {signal} で強制終了されました。それまでに測った値は残します";
    "cow.note.child_exited" => "the child {pid} exited with status {code} before its {stage} report; what was measured until then is kept",
        "子プロセス {pid} は {stage} の報告の前に終了ステータス {code} で終了しました。それまでに測った値は残します";
    "cow.note.child_ended" => "the child {pid} ended before its {stage} report; what was measured until then is kept",
        "子プロセス {pid} は {stage} の報告の前に終了しました。それまでに測った値は残します";
    "cow.note.child_killed_at_exit" => "the child {pid} was killed by {signal} before it could exit normally; what was measured until then is kept",
        "子プロセス {pid} は正常に終了する前に {signal} で強制終了されました。それまでに測った値は残します";
    "cow.note.child_exited_at_exit" => "the child {pid} exited with status {code} before it could exit normally; what was measured until then is kept",
        "子プロセス {pid} は終了ステータス {code} で終了しました（正常な終了ではありません）。それまでに測った値は残します";
    "cow.skip.no_rollup" => "PSS, shared and private: this kernel has no /proc/PID/smaps_rollup (Linux 4.14+)",
        "PSS、shared、private: このカーネルには /proc/PID/smaps_rollup がありません（Linux 4.14 以降で使えます）";

    // ---- errors ----
    "cow.err.too_small" => "below 4 MiB the copies drown in what the rest of the process and the host do",
        "4 MiB 未満では、コピーされる量がプロセスのほかの部分やホストの動きに埋もれてしまいます";
    "cow.err.read_report" => "reading the child's {stage} report", "子プロセスの {stage} の報告の読み込み";
    "cow.err.child_proc" => "the child could not read its own /proc files at {stage}",
        "子プロセスは {stage} で自分の /proc のファイルを読めませんでした";

    // ---- the chart ----
    "cow.title.chart_write" => "copy-on-write: {size} {mapping}, child writes every page",
        "コピーオンライト: {size} の {mapping}、子プロセスがすべてのページに書き込む";
    "cow.title.chart_read" => "copy-on-write: {size} {mapping}, child reads every page",
        "コピーオンライト: {size} の {mapping}、子プロセスがすべてのページを読む";
    "cow.title.chart_x" => "stage, process", "段階、プロセス";
    "cow.title.chart_used" => "system used (adjusted), growth since before-fork",
        "システムの使用量（補正後）の before-fork からの増加";

    // ---- option help ----
    "help.opt.cow.size" => "How much memory the parent maps and touches before fork (binary units: 100M = 100 MiB)",
        "fork() の前に親プロセスがマップして触れるメモリの量（2進の単位: 100M = 100 MiB）";
    "help.opt.cow.access" => "What the child does to every page after fork",
        "fork() の後に子プロセスが各ページに対して行うこと";
    "help.val.cow.access.write" => "Write one byte in every page (each write to a shared page is a copy)",
        "各ページに1バイト書き込みます（共有されたページへの書き込みはそれぞれコピーになります）";
    "help.val.cow.access.read" => "Only read every page (nothing needs copying)",
        "各ページを読むだけです（何もコピーされません）";
    "help.opt.cow.shared" => "Map the region MAP_SHARED: parent and child share the pages, nothing is copied",
        "領域を MAP_SHARED でマップします。親と子がページを共有し、何もコピーされません";
    "help.opt.cow.thp" => "Ask for transparent huge pages (MADV_HUGEPAGE) instead of 4 KiB pages (MADV_NOHUGEPAGE)",
        "4 KiB のページ（MADV_NOHUGEPAGE）の代わりに透過的ヒュージページ（MADV_HUGEPAGE）を求めます";
    "help.opt.cow.force" => "Run even if SIZE is more than half of the available memory",
        "SIZE が利用可能なメモリの半分を超えていても実行します";
    // ---- why.*: reasons written into the data in English (checks.rs) ----
    "why.cow.no_smaps_rollup" => "this kernel has no /proc/PID/smaps_rollup (Linux 4.14+): {what} is unknown",
        "このカーネルには /proc/PID/smaps_rollup がありません（Linux 4.14 以降にあります）。{what} はわかりません";
}
