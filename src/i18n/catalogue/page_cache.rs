//! The messages of `memlab page-cache`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.cold_read_from_device" => "the first read of a file comes from the storage device",
        "ファイルを初めて読むと、ストレージデバイスから読み込まれる";
    "check.warm_read_from_cache" => "the second read comes from the page cache",
        "2回目の読み込みはページキャッシュから行われる";
    "check.warm_read_faster" => "reading from the page cache is faster",
        "ページキャッシュからの読み込みは速い";
    "check.resident_after_read_is_size" => "after a read, the whole file is in the page cache",
        "読み込んだ後は、ファイル全体がページキャッシュに載っている";
    "check.drop_empties_the_file_cache" => "dropping the caches empties the file's page cache",
        "キャッシュを捨てると、そのファイルのページキャッシュは空になる";
    "check.cache_rises_by_size" => "the page cache grows by the file's size",
        "ページキャッシュはファイルの大きさだけ増える";
    "check.free_falls_by_size" => "free memory falls by the file's size",
        "空きメモリ（free）はファイルの大きさだけ減る";
    "check.available_barely_moves" => "available barely moves: the page cache can be freed",
        "available はほとんど変わらない。ページキャッシュは解放できるため";
    "check.cache_falls_after_drop" => "the page cache falls after dropping the caches",
        "キャッシュを捨てると、ページキャッシュは減る";
}
