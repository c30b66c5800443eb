//! The messages of `memlab malloc`: its checks' claims, narration, notes,
//! skip and error lines, and option help.

use super::Message;

super::catalogue! {
    "check.small_blocks_share_a_pool" => "small blocks come from one pool",
        "小さなブロックは1つのプールから割り当てられる";
    "check.pool_grew_for_small_blocks" => "the pool grows for small blocks",
        "小さなブロックのためにプールが大きくなる";
    "check.large_block_gets_own_mapping" => "a large block gets its own mmap() mapping",
        "大きなブロックには専用の mmap() のマッピングが作られる";
    "check.free_of_large_block_unmaps_it" => "free() of a large block gives its mapping back",
        "大きなブロックを free() すると、そのマッピングは解放される";
    "check.kernel_counts_more_than_asked" => "the kernel sees more memory used than the program asked for",
        "「自分が使用しているメモリ量を報告する機能を持つプログラムがあるが、そのプログラムが出す値と、Linuxから見たプロセス使用メモリ」は異なる";
}
