//! The messages of `memlab watch`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.sampled_peak_near_kernel_peak" => "the sampled peak RSS is close to the kernel's own peak",
        "測定した RSS の最大値は、カーネル自身の最大値に近い";
    // ---- narration ----
    "watch.say.what_pid" => "pid {pid}", "pid {pid} のプロセス";
    "watch.say.what_cmd" => "'{cmd}' (pid {pid})", "コマンド '{cmd}'（pid {pid}）";
    "watch.say.watching" => "watching {what} and its descendants every {interval}",
        "{what}とその子孫プロセスを {interval} ごとに測ります";
    "watch.say.watching_for" => "watching {what} and its descendants every {interval} for up to {duration}",
        "{what}とその子孫プロセスを、最長 {duration} のあいだ {interval} ごとに測ります";
    "watch.say.watching_alone" => "watching {what} every {interval}",
        "{what}だけを {interval} ごとに測ります";
    "watch.say.watching_alone_for" => "watching {what} every {interval} for up to {duration}",
        "{what}だけを、最長 {duration} のあいだ {interval} ごとに測ります";
    "watch.say.exited" => "{what} exited with status {code}",
        "{what}は終了ステータス {code} で終了しました";
    "watch.say.signalled" => "{what} was ended by {signal}",
        "{what}は {signal} によって終了しました";
    "watch.say.ended" => "{what} ended", "{what}は終了しました";
    "watch.say.killed" => "{what} did not end within {grace}: killed (SIGKILL)",
        "{what}が {grace} 以内に終了しなかったため、強制終了しました（SIGKILL）";

    // ---- notes ----
    "watch.note.missed_peak" => "the sampled peak ({sampled} KiB) is below {share}% of the kernel's own ({kernel} KiB): the interval missed the peak; sample faster (--interval)",
        "測定した RSS の最大値（{sampled} KiB）が、カーネル自身の記録した最大値（{kernel} KiB）の {share}% に届きません。サンプリングの間隔が長すぎて、最大値を逃しています。間隔を短くしてください（--interval）";
    "watch.note.upper_bound" => "rss_kib sums the tree: pages shared between its processes count once per process, so it is an upper bound (--pss sums PSS, which splits them)",
        "rss_kib はプロセスツリーの合計です。プロセスの間で共有されたページはプロセスごとに数えられるので、この値は上限です（--pss を付けると、共有されたページを分け合って数える PSS を合計します）";
    "watch.note.table_rows" => "the table shows {shown} of {total} rows (evenly spaced, the RSS peak and the last); all are in --csv/--json",
        "表には {total} 行のうち {shown} 行（等間隔に選んだ行、RSS が最大の行、最後の行）を示します。すべての行は --csv/--json にあります";
    "watch.note.dropped" => "{n} rows were dropped: the reader of the output did not keep up",
        "出力の読み手が追いつかなかったため、{n} 行を捨てました";
    "watch.note.ended_before_first" => "the process ended before the first sample; for a command, the kernel's own totals (wait4) are in rusage_*",
        "最初のサンプルの前にプロセスが終了しました。コマンドの場合は、カーネル自身の合計（wait4）が rusage_* にあります";
    "watch.note.killed" => "'{cmd}' (pid {pid}) was still running and was killed (SIGKILL)",
        "'{cmd}'（pid {pid}）はまだ実行中だったため、強制終了しました（SIGKILL）";

    // ---- errors ----
    "watch.err.cannot_run" => "cannot run '{cmd}': {error}", "'{cmd}' を実行できません: {error}";
    "watch.err.interval_floor" => "--interval {interval} is below the 1ms floor (e.g. --interval 1ms)",
        "--interval {interval} は下限の 1ms より短い値です（例: --interval 1ms）";
    "watch.err.nothing" => "say what to watch: --pid PID, or a command after -- (e.g. memlab watch -- sleep 1)",
        "測る対象を --pid PID か、-- のあとのコマンドで指定してください（例: memlab watch -- sleep 1）";
    "watch.err.bad_pid" => "--pid {pid} is not a process id (e.g. --pid 4242)",
        "--pid {pid} はプロセス ID ではありません（例: --pid 4242）";
    "watch.err.denied" => "memlab may not read /proc/{pid} (run as its user or root)",
        "memlab には /proc/{pid} を読む権限がありません（そのプロセスのユーザーか root で実行してください）";
    "watch.err.no_process" => "no process with pid {pid} (it may have exited already; see ps -e)",
        "pid {pid} のプロセスはありません（すでに終了したのかもしれません。ps -e で確かめてください）";
    "watch.err.exited" => "no process with pid {pid} (it exited already)",
        "pid {pid} のプロセスはありません（すでに終了しました）";
    "watch.err.no_memory" => "pid {pid} has no user memory to watch (a kernel thread, or exiting)",
        "pid {pid} には測れるユーザー空間のメモリがありません（カーネルスレッドか、終了しかけているプロセスです）";
    "watch.err.pss_denied" => "--pss reads /proc/{pid}/smaps_rollup, which needs ptrace access (same user, or root)",
        "--pss は /proc/{pid}/smaps_rollup を読みますが、それには ptrace の権限（同じユーザーか root）が要ります";
    "watch.err.reading_proc" => "reading /proc/{pid}", "/proc/{pid} を読めませんでした";
    "watch.err.nul" => "a command argument contains a NUL byte", "コマンドの引数に NUL バイトが含まれています";
    "watch.err.waiting_start" => "waiting for the command to start", "コマンドの起動を待つ間に失敗しました";

    // ---- the chart ----
    "watch.title.chart" => "memlab watch {what}", "{what}のメモリ（memlab watch）";
    "watch.title.x" => "time (s)", "時間（秒）";
    "watch.title.rss_sum" => "RSS (sum)", "RSS（合計）";

    // ---- option help (the English is the doc comment) ----
    "help.opt.watch.pid" => "The process to watch (or give a command after --)",
        "測るプロセス（または -- のあとにコマンドを指定します）";
    "help.opt.watch.interval" => "Time between two samples (at least 1ms)",
        "サンプリングの間隔（1ms 以上）";
    "help.opt.watch.duration" => "Stop after this long (a command started after -- is then sent SIGTERM, SIGKILL a second later; exit 0)",
        "この時間が経ったら測るのをやめます（-- のあとで起動したコマンドには SIGTERM を、その1秒後に SIGKILL を送ります。終了ステータスは 0）";
    "help.opt.watch.pss" => "Also sum PSS from /proc/PID/smaps_rollup, at a lower rate (each read walks every mapping)",
        "/proc/PID/smaps_rollup から PSS も合計します（読むたびにカーネルがすべてのマッピングをたどるので、頻度を下げて読みます）";
    "help.opt.watch.no_children" => "Watch the process alone, not its descendants",
        "子孫プロセスを含めず、そのプロセスだけを測ります";
    "help.opt.watch.command" => "A command to start and watch: memlab watch -- CMD ARGS... memlab then exits with its status (128+N when signal N ended it, 127 not found, 126 not executable). When --csv - or --json - takes stdout, the command's stdout goes to memlab's stderr",
        "起動して測るコマンド: memlab watch -- CMD ARGS... memlab はそのコマンドの終了ステータスで終了します（シグナル N で終わったときは 128+N、コマンドが見つからないときは 127、実行できないときは 126）。--csv - か --json - が標準出力を使うときは、コマンドの標準出力は memlab の標準エラー出力に送られます";
    // ---- reasons written into the data (found again for the reader) ----
    "why.watch.no_peak" => "no sample, or no kernel peak was recorded",
        "サンプルか、カーネルが記録したピークがありません";
    "why.watch.tree" => "the tree had {n} processes: the sampled peak ({sampled} KiB) is a sum over the tree at one instant, the kernel's ({kernel} KiB) the largest single process's own peak",
        "プロセスツリーには {n} 個のプロセスがありました。サンプルしたピーク（{sampled} KiB）はある瞬間のツリー全体の合計で、カーネルのピーク（{kernel} KiB）は最も大きい1つのプロセス自身のピークなので、比べられません";
    "why.watch.before" => "the kernel's peak ({kernel} KiB) was reached before watching began; sampled {sampled} KiB",
        "カーネルが記録したピーク（{kernel} KiB）は、測り始める前のものでした。サンプルしたピークは {sampled} KiB です";
    "why.watch.expected" => "for one process, sampled peak_rss_kib at least {pct}% of peak_rss_kernel_kib",
        "1つのプロセスなら、サンプルした peak_rss_kib が peak_rss_kernel_kib の {pct}% 以上";
}
