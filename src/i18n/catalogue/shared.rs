//! Messages of the modules several experiments share: the size guard, the
//! scratch folder, the memory cgroup sandbox, the swap file, and the
//! system-memory rule's verdicts (src/verdict.rs).
//!
//! `why.*` entries are reasons written into the data in English and found
//! again inside it for the reader (see `i18n::localize`); `err.*` entries
//! are errors shown to the user in their language.

use super::Message;

super::catalogue! {
    // ---- a user's --file (filemap, page-cache) ----
    "err.file.cannot_open" => "--file {path}: {error}", "--file {path} を開けません: {error}";
    "err.file.not_regular" => "--file {path}: not a regular file", "--file {path} は通常のファイルではありません";
    "err.file.empty" => "--file {path}: the file is empty, and an empty file cannot be mapped",
        "--file {path} は空のファイルです。空のファイルはマップできません";
    // ---- recorded data that cannot be read back (judge, report) ----
    "err.data.pte_delta" => "the {case} row's pte_delta_kib is not vm_pte_after_kib - vm_pte_before_kib: the row was edited",
        "{case} の行の pte_delta_kib が vm_pte_after_kib - vm_pte_before_kib と一致しません。行が書き換えられています";
    "err.data.row" => "row {n} of the recorded data: {error}", "記録されたデータの {n} 行目を読めません: {error}";
    "err.data.params" => "params of the recorded data: {error}", "記録されたデータの params を読めません: {error}";
    "err.data.measurements" => "measurements of the recorded data: {error}",
        "記録されたデータの measurements を読めません: {error}";
    "err.data.unknown_experiment" => "'{name}' is not an experiment of this memlab", "'{name}' はこの memlab の実験ではありません";

    // ---- the test folder of filemap and page-cache (experiments/scratch_dir.rs) ----
    "err.scratch.tmpdir_in_memory" => "TMPDIR {dir} is on {fs}, which keeps files in memory only: their pages are never dropped from the page cache; set TMPDIR to a folder on a disk",
        "TMPDIR {dir} はファイルをメモリにだけ置く {fs} の上にあり、そのページはページキャッシュから落とされません。TMPDIR にディスク上のフォルダを指定してください";
    "err.scratch.tmpdir" => "TMPDIR {dir}: {error}", "TMPDIR {dir} を調べられません: {error}";
    "err.scratch.no_disk" => "neither /tmp nor /var/tmp is on a disk (a file in memory is never dropped from the page cache); set TMPDIR to a folder on a disk",
        "/tmp も /var/tmp もディスク上にありません（メモリ上のファイルはページキャッシュから落とされません）。TMPDIR にディスク上のフォルダを指定してください";
    "err.scratch.space_all" => "--size {size} is more than all of the {free} free on {dir} (where the test file goes; set TMPDIR to use another folder); e.g. --size {example}",
        "--size {size} は、{dir}（テストファイルを置く場所）の空き {free} よりも大きい値です（ほかのフォルダを使うには TMPDIR を指定してください）。例: --size {example}";
    "err.scratch.space_half" => "--size {size} is more than half of the {free} free on {dir} (where the test file goes; set TMPDIR to use another folder); e.g. --size {example}, or --force",
        "--size {size} は、{dir}（テストファイルを置く場所）の空き {free} の半分より大きい値です（ほかのフォルダを使うには TMPDIR を指定してください）。例: --size {example}、または --force";
    "err.scratch.could_not_make" => "could not make a temporary folder in {dir}", "{dir} に一時フォルダを作れませんでした";
    "err.scratch.writing" => "writing {path}", "{path} に書き込んでいるとき";

    "why.system.background" => "the host's background moved system used by up to {bg} MiB where memlab was idle, which hides an effect of {effect} MiB",
        "memlab が何もしていない間にも、ホストのほかの動きでシステムの使用量が最大 {bg} MiB 動いており、{effect} MiB の効果が隠れてしまいます";
    "why.system.too_small" => "an effect of {effect} MiB is under twice the departure the rule must allow ({allowed} MiB: counter granularity, background, other processes), so the claim and its absence look alike here; a larger size shows it",
        "{effect} MiB の効果は、規則が許さなければならないずれ（{allowed} MiB: カウンタの粒度、背景の動き、ほかのプロセス）の2倍に届かないため、ここでは主張が成り立つ場合と成り立たない場合の区別がつきません。大きなサイズで実行すると示せます";
    "why.system.others" => "other processes' memory moved by {others} MiB in the same window, which explains the departure of {dev} MiB",
        "同じ区間にほかのプロセスのメモリが {others} MiB 動いており、{dev} MiB のずれはそれで説明できます";
    "why.system.departs" => "departs by {dev} MiB (allowed ±{allowed} MiB); background {bg} MiB and other processes {others} MiB do not explain it",
        "{dev} MiB ずれています（許容範囲はプラスマイナス {allowed} MiB）。背景の動き {bg} MiB やほかのプロセスの {others} MiB では説明できません";

    // ---- the size guard (src/guard.rs) ----
    "err.guard.too_much" => "{flag} {size}{twice} is more than half of the {limit} {source}; e.g. {flag} {example}M, or --force",
        "{flag} {size}{twice} は {source} {limit} の半分を超えています。例: {flag} {example}M、または --force";
    "err.guard.twice" => " needs twice that ({need}), which", "（その2倍の {need} が必要）";
    "err.guard.times" => " needs {times} times that ({need}), which", "（その {times} 倍の {need} が必要）";
    "err.guard.cgroup_room" => "left under memlab's cgroup memory limit", "memlab の cgroup のメモリ上限までの残り";
    "err.guard.available" => "available (MemAvailable)", "使えるメモリ（MemAvailable）";
    "err.guard.too_small" => "{flag} {size} is too small: {why} (e.g. {flag} {example})",
        "{flag} {size} は小さすぎます。{why}（例: {flag} {example}）";

    // ---- the scratch folder (src/experiments/scratch_dir.rs): why the
    // test file goes where it goes ----
    "why.scratch.default" => "the default temporary folder", "既定の一時フォルダ";
    "why.scratch.var_tmp" => "/tmp is {fs} (in memory), /var/tmp is on disk",
        "/tmp はメモリ上の {fs} で、/var/tmp はディスク上にあるため";

    // ---- the memory cgroup sandbox (src/cgroup_sandbox.rs) ----
    "why.cgroup.limit" => "could not set the memory limit of {dir} ({error}); the physical part needs a memory cgroup whose limit memlab may set",
        "{dir} のメモリ上限を設定できませんでした（{error}）。物理メモリの部分には、memlab が上限を設定できるメモリ cgroup が必要です";
    "why.cgroup.under_v1" => "under memlab's v1 memory cgroup {dir}", "memlab の v1 メモリ cgroup {dir} の下";
    "why.cgroup.may_not_create" => "memlab may not create a cgroup there", "memlab にはそこに cgroup を作る権限がありません";
    "why.cgroup.mkdir_failed" => "creating a cgroup there failed: {error}", "そこに cgroup を作れませんでした: {error}";
    "why.cgroup.fix_v1" => "run memlab as root, or have root chown a v1 memory cgroup folder to you and start memlab inside it",
        "memlab を root で実行するか、root に v1 のメモリ cgroup のフォルダをあなたに chown してもらい、その中で memlab を起動してください";
    "why.cgroup.fix_v2" => "run memlab as root, or from a cgroup delegated to you whose parent you may also write (e.g. inside a container or a systemd unit with Delegate=yes)",
        "memlab を root で実行するか、親にも書き込める委譲された cgroup（コンテナの中や Delegate=yes の systemd ユニットなど）から実行してください";
    "why.cgroup.needs_own" => "it needs a memory cgroup of its own to contain the OOM killer, and {what} ({base}); {fix}",
        "OOM killer を閉じ込めるには専用のメモリ cgroup が必要ですが、{what}（{base}）。{fix}";
    "why.cgroup.under_v2" => "under memlab's v2 cgroup {dir} (its subtree_control lists memory)",
        "memlab の v2 cgroup {dir} の下（その subtree_control に memory があります）";
    "why.cgroup.no_parent" => "memlab's cgroup {dir} has no parent to create a memory cgroup in",
        "memlab の cgroup {dir} には、メモリ cgroup を作れる親がありません";
    "why.cgroup.no_controller" => "the memory controller is not enabled for children of {parent} (cgroup.subtree_control lacks memory), and memlab's own cgroup {dir} holds processes, so it may not enable it (cgroup v2's no-internal-processes rule); run memlab from a cgroup whose parent has +memory in cgroup.subtree_control",
        "{parent} の子ではメモリコントローラが有効になっていません（cgroup.subtree_control に memory がありません）。memlab 自身の cgroup {dir} にはプロセスがいるため、有効にすることもできません（cgroup v2 の no-internal-processes の規則）。親の cgroup.subtree_control に +memory がある cgroup から memlab を実行してください";
    "why.cgroup.beside_v2" => "beside memlab's v2 cgroup, under {parent} (memlab's own cgroup holds processes, so cgroup v2 lets it give no controller to children)",
        "memlab の v2 cgroup と並べて {parent} の下（memlab 自身の cgroup にはプロセスがいるため、cgroup v2 では子にコントローラを渡せません）";
}
