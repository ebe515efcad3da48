using BenchmarkDotNet.Attributes;
using ConnectorHost.Delivery;

namespace ConnectorHost.Bench.Micro;

/// <summary>Keys are built for every item and every batch of a run.</summary>
[MemoryDiagnoser]
public class IdempotencyKeyBenchmarks
{
    private readonly IdempotencyKeyBuilder _keys = new();
    private readonly string[] _batch = [.. Enumerable.Range(0, 50).Select(i => $"ch1:handbook:0001/doc-{i:D7}.md:{new string('a', 64)}")];

    [Benchmark(Description = "item key, short ASCII")]
    public string ItemShort() => _keys.ForItem("handbook", "0042/doc-0042000.md", "5f0c6e2a9d1b4c3e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e");

    [Benchmark(Description = "item key, long id (hashed)")]
    public string ItemLong() => _keys.ForItem("handbook", "spaces/ENG/pages/" + new string('x', 200), "v17");

    [Benchmark(Description = "batch key, 50 items")]
    public string Batch() => _keys.ForBatch("handbook", _batch);
}
