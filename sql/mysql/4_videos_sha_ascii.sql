-- videos.sha256 had the table's utf8mb4 collation while media.sha256 is ascii: the join of
-- every feed and list read could not use media's primary key (EXPLAIN showed a full scan
-- of media and a filesort). Same charset and collation on both sides fixes it.
ALTER TABLE videos MODIFY sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL;
