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
}
