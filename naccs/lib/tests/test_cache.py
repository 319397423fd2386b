"""The shared cache (diskcache) stays open between requests and is shared through its directory."""

from django.core.cache import cache

from naccs.lib.cache import ProcessMemory, SharedCache


def open_connections():
    return [getattr(shard._local, "con", None) for shard in cache._cache._shards]


def test_a_finished_request_leaves_the_connections_open(client, db):
    cache.set("test:key", "value")
    before = open_connections()
    assert any(before)
    client.get("/accounts/login/")  # Django closes every cache when a request finishes
    assert open_connections() == before
    assert cache.get("test:key") == "value"


def test_another_process_sees_what_one_wrote(tmp_path):
    # Two instances on one directory stand for two workers.
    writer = SharedCache(str(tmp_path), {"TIMEOUT": 300})
    reader = SharedCache(str(tmp_path), {"TIMEOUT": 300})
    writer.set("version", "a")
    assert reader.get("version") == "a"
    writer.set("version", "b")
    assert reader.get("version") == "b"


def test_process_memory_hands_back_the_stored_object_itself():
    memory = ProcessMemory(max_entries=3)
    value = {"html": "<p>申込</p>"}
    memory.set("fragment", value)
    assert memory.get("fragment") is value
    assert memory.get("missing", "default") == "default"


def test_process_memory_drops_the_oldest_entry_when_full():
    memory = ProcessMemory(max_entries=2)
    memory.set("first", 1)
    memory.set("second", 2)
    memory.set("first", 10)  # stored again: now the newest
    memory.set("third", 3)
    assert len(memory) == 2
    assert memory.get("second") is None
    assert (memory.get("first"), memory.get("third")) == (10, 3)
