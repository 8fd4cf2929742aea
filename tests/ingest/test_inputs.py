from videobert.ingest.inputs import assign_ids, expand_inputs


def test_files_folders_lists_and_ids(tmp_path):
    for rel in ["a/x.mp4", "a/sub/y.mkv", "a/notes.md", "b/x.webm", "c/z.MOV"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    lst = tmp_path / "list.txt"
    lst.write_text("# my videos\nc/z.MOV\n\nb\nmissing.mp4\n")
    paths = expand_inputs([tmp_path / "a", lst, tmp_path / "a" / "x.mp4"])
    rel = [p.relative_to(tmp_path).as_posix() for p in paths]
    assert rel == ["a/sub/y.mkv", "a/x.mp4", "c/z.MOV", "b/x.webm", "missing.mp4"]  # dupes dropped, missing kept
    ids = dict(assign_ids(paths))
    x_ids = sorted(i for i in ids if i.startswith("x-"))
    assert len(x_ids) == 2 and all(len(i) == 10 for i in x_ids)  # stem + 8 hex on collision
    assert {"y", "z", "missing"} <= set(ids)
    assert assign_ids(paths) == assign_ids(list(paths))  # stable
