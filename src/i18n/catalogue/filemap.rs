//! The messages of `memlab filemap`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.file_line_in_maps" => "a mapped file appears in the memory map with its path",
        "マップしたファイルは、そのパスとともにメモリマップに現れる";
    "check.mapping_reads_the_file" => "reading the mapping reads the file's contents",
        "マップした領域を読むと、ファイルの内容が読める";
    "check.write_reaches_the_file" => "writing the mapping writes the file",
        "マップした領域に書き込むと、ファイルに書き込まれる";
    "check.cold_read_takes_major_faults" => "reading a file not in the page cache through a mapping takes major faults",
        "ページキャッシュにないファイルをマップして読むと、メジャーページフォルトが起きる";

    // ---- narration ----
    "filemap.say.file" => "file {path} ({bytes} bytes, {pages} pages) on {fs}",
        "ファイル {path}（{bytes} バイト、{pages} ページ、ファイルシステム {fs}）";
    "filemap.say.own_file" => "file {path} ({bytes} bytes, {pages} pages) on {fs}, made by memlab",
        "ファイル {path}（{bytes} バイト、{pages} ページ、ファイルシステム {fs}）は memlab が作ったものです";
    "filemap.say.mapped" => "mmap(MAP_SHARED) returned {address} in the child; its /proc/PID/maps changed in {lines} line(s):",
        "子プロセスで mmap(MAP_SHARED) を呼ぶと {address} が返りました。子プロセスの /proc/PID/maps は {lines} 行変わりました:";
    "filemap.say.the_file" => "the file", "ファイルはここ";
    "filemap.say.wrote" => "wrote HELLO through the mapping; read(2) now returns {now} (was {was})",
        "マップした領域を通して HELLO と書き込みました。read(2) で読むと {now} が返ります（書き込む前は {was}）";
    "filemap.say.cold_default" => "cold read, default read-around: {pages} pages ({uncached} not cached): {major} major and {minor} minor faults",
        "ページキャッシュにない状態から読みました（既定の先読みあり）。{pages} ページ（うちキャッシュになかったもの {uncached}）で、メジャーページフォルト {major} 回、マイナーページフォルト {minor} 回";
    "filemap.say.cold_random" => "cold read, MADV_RANDOM: no read-around: {pages} pages ({uncached} not cached): {major} major and {minor} minor faults",
        "ページキャッシュにない状態から読みました（MADV_RANDOM で先読みなし）。{pages} ページ（うちキャッシュになかったもの {uncached}）で、メジャーページフォルト {major} 回、マイナーページフォルト {minor} 回";

    // ---- notes ----
    "filemap.note.swept" => "removed {path}, a test folder no run holds (left by a memlab that was killed)",
        "どの実行も使っていないテスト用フォルダ {path} を削除しました（強制終了された memlab が残したものです）";
    "filemap.note.test_file" => "test file made in {folder} ({why}); it is removed at the end",
        "テスト用のファイルを {folder} に作りました（{why}）。最後に削除します";
    "filemap.note.read_around" => "with read-around one major fault brings in many pages (the kernel reads ahead, and fault-around maps already-cached neighbours: 16 pages by default, whole large folios on file systems that use them), so faults < pages; MADV_RANDOM turns read-around off and shows about one major fault per page",
        "先読みがあると、1回のメジャーページフォルトで多くのページが読み込まれます（カーネルが先読みし、fault-around がキャッシュ済みの隣のページもまとめて対応付けます。既定で 16 ページ、large folio を使うファイルシステムでは folio ごと）。そのためページフォルトの数はページ数より少なくなります。MADV_RANDOM で先読みを止めると、ほぼ1ページにつき1回のメジャーページフォルトになります";
    "filemap.note.shrank" => "the file shrank under the mapping: {path} was {bytes} bytes and is now {now} bytes, and the child that mapped it died of SIGBUS at its next access (what was measured before is kept)",
        "マップ中にファイルが縮みました。{path} は {bytes} バイトでしたが、いまは {now} バイトです。マップしていた子プロセスは次のアクセスで SIGBUS により終了しました（それまでの測定結果は残します）";
    "filemap.note.gone" => "the file shrank under the mapping: {path} was {bytes} bytes and is now gone, and the child that mapped it died of SIGBUS at its next access (what was measured before is kept)",
        "マップ中にファイルが縮みました。{path} は {bytes} バイトでしたが、いまはありません。マップしていた子プロセスは次のアクセスで SIGBUS により終了しました（それまでの測定結果は残します）";
    "filemap.note.child_killed" => "the child that mapped the file ended unexpectedly (killed by {signal}); what was measured before is kept",
        "ファイルをマップしていた子プロセスが思いがけず終了しました（{signal} で強制終了）。それまでの測定結果は残します";
    "filemap.note.child_exit" => "the child that mapped the file ended unexpectedly (exit status {code}); what was measured before is kept",
        "ファイルをマップしていた子プロセスが思いがけず終了しました（終了ステータス {code}）。それまでの測定結果は残します";
    "filemap.note.child_ended" => "the child that mapped the file ended unexpectedly (unknown status); what was measured before is kept",
        "ファイルをマップしていた子プロセスが思いがけず終了しました（終了の仕方は不明）。それまでの測定結果は残します";

    // ---- skip reasons ----
    "filemap.skip.no_write" => "no write: {path} is your file and --write was not given (it was mapped read-only)",
        "書き込みは省略: {path} はあなたのファイルで、--write が指定されていません（読み取り専用でマップしました）";

    // ---- errors ----
    "filemap.err.short_file" => "--file {path}: shorter than the {n} bytes of HELLO",
        "--file {path}: HELLO の {n} バイトより短いファイルです";
    "filemap.err.size_below_page" => "--size {size} is smaller than a page ({page} bytes); e.g. --size 8M",
        "--size {size} は1ページ（{page} バイト）より小さい値です。例: --size 8M";
    "filemap.err.open" => "opening {path}", "{path} を開けませんでした";
    "filemap.err.open_again" => "opening {path} again", "{path} をもう一度開けませんでした";
    "filemap.err.size" => "reading the size of {path}", "{path} の大きさを読めませんでした";
    "filemap.err.resolve" => "resolving {path}", "{path} の実際のパスを求められませんでした";
    "filemap.err.read" => "reading {path}", "{path} を読めませんでした";
    "filemap.err.from_child" => "reading from the child", "子プロセスからの応答を読めませんでした";
    "filemap.err.child_call" => "{step} failed in the child: {error}",
        "子プロセスで {step} の段階が失敗しました: {error}";

    // ---- option help ----
    "help.opt.filemap.file" => "Map this file instead of a test file of memlab's own. It is only read, unless --write is given too",
        "memlab のテスト用ファイルの代わりに、このファイルをマップします。--write も指定しない限り、読むだけです";
    "help.opt.filemap.write" => "With --file: write HELLO over the first 5 bytes of PATH (the file is changed for good)",
        "--file と一緒に: PATH の先頭 5 バイトに HELLO を上書きします（ファイルは元に戻りません）";
    "help.opt.filemap.size" => "Size of memlab's own test file (default 8M; not with --file)",
        "memlab のテスト用ファイルの大きさ（既定 8M。--file とは一緒に使えません）";
    "help.opt.filemap.cold" => "Drop the file's pages from the page cache (this file only) and count the major faults of reading it through the mapping",
        "ファイルのページをページキャッシュから追い出し（このファイルだけ）、マップした領域を通して読んだときのメジャーページフォルトを数えます";
    "help.opt.filemap.force" => "Run even if the file is more than half of the available memory",
        "ファイルが利用可能なメモリの半分を超えても実行します";
    // ---- why.*: reasons written into the data in English (checks.rs) ----
    "why.filemap.in_memory_fs" => "the file lives in a file system that keeps files in memory only: there is no disk to read from ({majflt} major faults); set TMPDIR to a folder on a disk",
        "ファイルは、ファイルをメモリだけに置くファイルシステムの上にあります。読み込むディスクがありません（メジャーページフォルト {majflt} 回）。TMPDIR をディスク上のフォルダにしてください";
    "why.filemap.none_dropped" => "posix_fadvise dropped none of the file's pages (dirty, or mapped by another process), so none had to come from the disk; {majflt} major faults",
        "posix_fadvise はファイルのページを1つも捨てませんでした（書き換えられたページか、ほかのプロセスがマップしているページです）。そのためディスクから読むページはありませんでした。メジャーページフォルトは {majflt} 回です";
    "why.filemap.expect_line" => "an added line holding {addr}, shared (s), naming {path}",
        "{addr} を含む行が加わり、共有（s）で、{path} を指している";
    "why.filemap.no_line" => "no added line holds the address", "加わった行のどれもそのアドレスを含まない";
    "why.filemap.expect_bytes" => "the first {n} bytes through the mapping equal read(2)'s",
        "マップした領域から読んだ先頭 {n} バイトが、read(2) で読んだものと等しい";
    "why.filemap.expect_hello" => "read(2) after msync returns HELLO", "msync の後の read(2) が HELLO を返す";
}
