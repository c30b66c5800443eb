//! The messages of `memlab oom`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    // ---- what it needs (memlab list) ----
    "needs.oom" => "root or a delegated memory cgroup for the physical part",
        "物理メモリの部分には root 権限か、委譲されたメモリ cgroup";
    "check.virtual_mmap_fails_with_enomem" => "reserving more virtual memory than allowed fails with ENOMEM",
        "許された以上の仮想メモリを確保しようとすると、ENOMEM で失敗する";
    "check.virtual_enomem_at_the_limit" => "mmap() fails at the limit",
        "mmap() は上限のところで失敗する";
    "check.virtual_child_survives" => "a failed reservation does not kill the process",
        "確保に失敗しても、プロセスは強制終了されない";
    "check.physical_child_killed_by_sigkill" => "running out of physical memory kills a process with SIGKILL (OOM killer)",
        "物理メモリが足りなくなると、OOM killer がプロセスを SIGKILL で強制終了する";
    "check.physical_killed_at_the_limit" => "the process is killed at the limit",
        "プロセスは上限のところで強制終了される";
    "check.oom_kill_counted" => "the kernel counts the OOM kill",
        "カーネルは OOM killer による強制終了を数えている";
    "check.memory_returned" => "the killed process's memory is given back",
        "強制終了されたプロセスのメモリは解放される";
    "check.cgroup_removed" => "memlab's cgroup is removed afterwards",
        "memlab が作った cgroup は後で削除される";

    // ---- narration ----
    "oom.say.virtual_start" => "[virtual] a child caps its address space (RLIMIT_AS) at its VSZ + {headroom} and maps {chunk} chunks without touching them",
        "[仮想メモリ] 子プロセスが自分の仮想アドレス空間の上限（RLIMIT_AS）をいまの VSZ + {headroom} に下げ、{chunk} ずつ触れずに mmap していきます";
    "oom.say.virtual_end" => "[virtual] mmap failed with {errno} after reserving {reserved} (VSZ {vsz} of a {limit} RLIMIT_AS); the child lived on and exited normally",
        "[仮想メモリ] {reserved} を確保したところで mmap が {errno} で失敗しました（VSZ {vsz}、RLIMIT_AS は {limit}）。子プロセスは強制終了されずに動き続け、正常に終了しました";
    "oom.say.virtual_end_abnormal" => "[virtual] mmap failed with {errno} after reserving {reserved} (VSZ {vsz} of a {limit} RLIMIT_AS); the child did not end normally",
        "[仮想メモリ] {reserved} を確保したところで mmap が {errno} で失敗しました（VSZ {vsz}、RLIMIT_AS は {limit}）。子プロセスは正常には終了しませんでした";
    "oom.say.sandbox_swap0" => "[physical] cgroup {version} {dir} created {placement}: limit {limit}, swap 0",
        "[物理メモリ] cgroup {version} {dir} を作りました（{placement}）。上限 {limit}、スワップ 0";
    "oom.say.sandbox_no_swap" => "[physical] cgroup {version} {dir} created {placement}: limit {limit}, no swap accounting (swap is not charged separately)",
        "[物理メモリ] cgroup {version} {dir} を作りました（{placement}）。上限 {limit}、スワップは別に課金されません";
    "oom.say.child_joined" => "[physical] child {pid} joined it (oom_score_adj {adj}) and touches memory at {rate} until the OOM killer ends it",
        "[物理メモリ] 子プロセス {pid} がこの cgroup に入りました（oom_score_adj {adj}）。OOM killer に強制終了されるまで、{rate} の速さでメモリに触れていきます";
    "oom.say.unreadable" => "unreadable", "読めません";
    "oom.say.physical_end" => "[physical] the child {outcome} after touching {touched}; the group had {peak} charged at most; cgroup removed: {removed}",
        "[物理メモリ] 子プロセスは {touched} に触れたところで、{outcome}。グループに課金されたメモリは最大 {peak} でした。cgroup の削除: {removed}";
    "oom.say.outcome.killed" => "was killed by {signal}", "{signal} で強制終了されました";
    "oom.say.outcome.timeout" => "was killed by memlab at the deadline", "期限になったので memlab に強制終了されました";
    "oom.say.outcome.exit" => "exited with status {code} ({meaning})", "終了ステータス {code}（{meaning}）で終了しました";
    "oom.say.outcome.ended" => "ended", "終了しました";
    "oom.say.removed" => "yes", "済み";
    "oom.say.not_removed" => "NO", "できていません";

    // ---- how a child ended (exit statuses of its own) ----
    "oom.exit.finished" => "finished normally", "正常に終了";
    "oom.exit.join_failed" => "could not join the cgroup", "cgroup に入れなかった";
    "oom.exit.no_go" => "lost contact with memlab", "memlab との連絡が途絶えた";
    "oom.exit.map_failed" => "could not map its memory", "メモリを mmap できなかった";
    "oom.exit.not_killed" => "touched 4× the limit without being killed", "上限の4倍に触れても強制終了されなかった";
    "oom.exit.setrlimit_failed" => "could not set its RLIMIT_AS", "RLIMIT_AS を設定できなかった";
    "oom.exit.not_enomem" => "mmap failed with another error than ENOMEM", "mmap が ENOMEM 以外のエラーで失敗した";
    "oom.exit.cannot_map_after" => "could not map memory again after ENOMEM", "ENOMEM の後でもう一度 mmap できなかった";
    "oom.exit.unexpected" => "unexpected", "想定外";

    // ---- notes ----
    "oom.note.swept" => "removed the cgroup {dir} left by an earlier memlab that was killed (nobody held its lock and no process was in it)",
        "以前に強制終了された memlab が残した cgroup {dir} を削除しました（だれもロックを持たず、中にプロセスもいませんでした）";
    "oom.note.timeout" => "the child was still running at the deadline; memlab killed it",
        "期限になっても子プロセスが動いていたので、memlab が強制終了しました";
    "oom.note.virtual_killed" => "the virtual child {pid} was killed by {signal} before reporting; what was measured until then is kept",
        "仮想メモリの子プロセス {pid} は、結果を報告する前に {signal} で強制終了されました。それまでの測定結果は残します";
    "oom.note.virtual_exit" => "the virtual child {pid} exited with status {code} ({meaning}) before reporting; what was measured until then is kept",
        "仮想メモリの子プロセス {pid} は、結果を報告する前に終了ステータス {code}（{meaning}）で終了しました。それまでの測定結果は残します";
    "oom.note.virtual_ended" => "the virtual child {pid} ended before reporting; what was measured until then is kept",
        "仮想メモリの子プロセス {pid} は、結果を報告する前に終了しました。それまでの測定結果は残します";
    "oom.note.physical_killed" => "the physical child {pid} was killed by {signal} before joining the cgroup; what was measured until then is kept",
        "物理メモリの子プロセス {pid} は、cgroup に入る前に {signal} で強制終了されました。それまでの測定結果は残します";
    "oom.note.physical_exit" => "the physical child {pid} exited with status {code} ({meaning}) before joining the cgroup; what was measured until then is kept",
        "物理メモリの子プロセス {pid} は、cgroup に入る前に終了ステータス {code}（{meaning}）で終了しました。それまでの測定結果は残します";
    "oom.note.physical_ended" => "the physical child {pid} ended before joining the cgroup; what was measured until then is kept",
        "物理メモリの子プロセス {pid} は、cgroup に入る前に終了しました。それまでの測定結果は残します";
    "oom.note.no_swap_limit" => "the cgroup could not be given a swap limit; host swap total {swap_kib} KiB (none, so the memory limit is the whole limit)",
        "cgroup にスワップの上限を設定できませんでした。ホストのスワップは合計 {swap_kib} KiB です（スワップがないので、メモリの上限がそのまま全体の上限になります）";
    "oom.note.no_swap_limit_swap" => "the cgroup could not be given a swap limit; host swap total {swap_kib} KiB: the child may swap before the OOM killer comes; it stops by itself at 4× the limit",
        "cgroup にスワップの上限を設定できませんでした。ホストのスワップは合計 {swap_kib} KiB です。OOM killer が動く前に子プロセスのメモリがスワップされるかもしれません。子プロセスは上限の4倍に触れたところで自分で止まります";
    "oom.note.sysctl" => "vm.panic_on_oom = {panic_on_oom} (0: the OOM killer kills a process), vm.overcommit_memory = {overcommit}",
        "vm.panic_on_oom = {panic_on_oom}（0 なら OOM killer がプロセスを強制終了します）、vm.overcommit_memory = {overcommit}";

    // ---- skip reasons (the physical part) ----
    "oom.skip.panic_on_oom" => "physical exhaustion: vm.panic_on_oom = {value} (with 2 even an OOM inside a cgroup panics the machine; 1 would only kill here, but memlab runs this part only with 0, the kernel's default); memlab never changes it",
        "物理メモリの枯渇: vm.panic_on_oom = {value} です（2 では cgroup の中の OOM でもマシンがパニックします。1 ならここでは強制終了だけですが、memlab がこのパートを実行するのはカーネルの既定値 0 のときだけです）。memlab はこの設定を変えません";
    "oom.skip.panic_on_oom_unreadable" => "physical exhaustion: vm.panic_on_oom is unreadable (with 2 even an OOM inside a cgroup panics the machine, so memlab runs this part only when it reads 0)",
        "物理メモリの枯渇: vm.panic_on_oom が読めません（2 では cgroup の中の OOM でもマシンがパニックするので、memlab がこのパートを実行するのは 0 と読めたときだけです）";
    "oom.skip.as_limit" => "physical exhaustion: memlab runs under an inherited address-space limit (RLIMIT_AS, ulimit -v) of {soft_kib} KiB ({soft}); the child maps {cap} (4× --limit) beside memlab's own {vsz}, so its mmap would fail before the cgroup's limit is reached; run it without that limit (ulimit -v unlimited)",
        "物理メモリの枯渇: memlab は親から受け継いだ仮想アドレス空間の上限（RLIMIT_AS、ulimit -v）{soft_kib} KiB（{soft}）の下で動いています。子プロセスは memlab 自身の {vsz} に加えて {cap}（--limit の4倍）を mmap するので、cgroup の上限に届く前に mmap が失敗します。この上限なしで実行してください（ulimit -v unlimited）";
    "oom.skip.no_cgroup" => "physical exhaustion: no memory cgroup controller is mounted, and memlab never runs it uncontained; mount the memory controller (cgroup v2 with memory in cgroup.controllers, or v1's memory hierarchy)",
        "物理メモリの枯渇: メモリ cgroup のコントローラがマウントされていません。memlab はこのパートを cgroup の外では決して実行しません。メモリコントローラをマウントしてください（cgroup v2 で cgroup.controllers に memory があること、または v1 の memory 階層）";
    "oom.skip.sandbox" => "physical exhaustion: {why}", "物理メモリの枯渇: {why}";

    // ---- errors ----
    "oom.err.limit_small" => "--limit {limit} is too small to run a process in; use at least 4M (e.g. --limit 64M)",
        "--limit {limit} ではプロセスを動かすには小さすぎます。4M 以上にしてください（例: --limit 64M）";
    "oom.err.headroom_small" => "--as-headroom {headroom} leaves no room to map anything; use at least 4M (e.g. --as-headroom 256M)",
        "--as-headroom {headroom} では何も mmap できません。4M 以上にしてください（例: --as-headroom 256M）";
    "oom.err.headroom_large" => "--as-headroom {headroom} is too large: the child reserves it 1 MiB at a time, up to {max} (e.g. --as-headroom 256M)",
        "--as-headroom {headroom} は大きすぎます。子プロセスは 1 MiB ずつ確保するので、{max} までにしてください（例: --as-headroom 256M）";
    "oom.err.interval_small" => "--interval {interval} is below 1ms, the shortest memlab takes (e.g. --interval 10ms)",
        "--interval {interval} は memlab が扱える最短の 1ms より短い値です（例: --interval 10ms）";
    "oom.err.limit_above_ram" => "--limit {limit} is more than this host's memory ({total} MemTotal), so the cgroup could never be what stops the child (e.g. --limit 64M)",
        "--limit {limit} はこのホストのメモリ（MemTotal {total}）より大きいので、子プロセスを止めるのが cgroup の上限になることはありません（例: --limit 64M）";
    "oom.err.rate_slow" => "--rate {rate} would take {secs} s to fill --limit {limit} (at most {max} s; e.g. --rate 128M/s)",
        "--rate {rate} では --limit {limit} を埋めるのに {secs} 秒かかります（最長 {max} 秒。例: --rate 128M/s）";
    "oom.err.virtual_report" => "reading the virtual child's report", "仮想メモリの子プロセスの報告を読めませんでした";
    "oom.err.join_wait" => "waiting for the child to join the cgroup", "子プロセスが cgroup に入るのを待っている間に失敗しました";
    "oom.err.join_failed" => "the child could not join the cgroup {dir} (writing its pid to cgroup.procs failed)",
        "子プロセスが cgroup {dir} に入れませんでした（cgroup.procs への pid の書き込みが失敗しました）";
    "oom.err.start" => "starting the child", "子プロセスを開始できませんでした";

    // ---- option help ----
    "help.opt.oom.limit" => "Memory limit of the physical child's cgroup (swap off for it)",
        "物理メモリの子プロセスを入れる cgroup のメモリ上限（その cgroup ではスワップなし）";
    "help.opt.oom.as_headroom" => "RLIMIT_AS of the virtual child: its VSZ at start plus this much",
        "仮想メモリの子プロセスの RLIMIT_AS: 開始時の VSZ にこの大きさを足した値";
    "help.opt.oom.rate" => "How fast the physical child touches memory (or max)",
        "物理メモリの子プロセスがメモリに触れていく速さ（または max）";
    "help.opt.oom.interval" => "How often memlab samples the physical child (at least 1ms)",
        "memlab が物理メモリの子プロセスを測る間隔（1ms 以上）";
    "help.opt.oom.part" => "Which exhaustion(s) to show", "どの枯渇を示すか";
    "help.opt.oom.force" => "Run even if --limit is more than half of the available memory",
        "--limit が利用可能なメモリの半分を超えても実行します";
    // ---- why.*: reasons written into the data in English (checks.rs) ----
    "why.oom.vsz_unread" => "the child's VSZ could not be read at ENOMEM",
        "ENOMEM の時点で、子プロセスの VSZ を読めませんでした";
    "why.oom.vsz_within_chunk" => "VSZ within one chunk of the limit",
        "VSZ が上限まで1チャンク以内";
    "why.oom.no_kill_counter" => "this kernel has no oom_kill counter for the group (before 4.13); memory.failcnt = {failcnt}",
        "このカーネルには、グループの oom_kill カウンタがありません（4.13 より前のカーネルです）。memory.failcnt は {failcnt} です";
    "why.oom.timed_out" => "still running at the deadline: killed by memlab",
        "期限になってもまだ動いていたので、memlab が強制終了しました";
    "why.oom.survive_expected" => "exit 0 after ENOMEM", "ENOMEM の後に exit 0 で終了";
    "why.oom.exit_finished" => "exit 0 (finished normally)", "exit 0（正常に終了）";
    "why.oom.killed_by" => "killed by {signal}", "{signal} で強制終了された";
    "why.oom.group_removed" => "the group memlab made ({dir}) no longer exists",
        "memlab が作ったグループ（{dir}）はもう存在しない";
    "why.oom.group_gone" => "the group is gone", "グループはなくなった";
    "why.oom.group_still_there" => "the group is still there", "グループはまだ残っている";
}
