using BenchmarkDotNet.Attributes;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Bench.Micro;

/// <summary>The body of one bulk-add of 50 items, as the delivery pipeline builds it (items serialized once each).</summary>
[MemoryDiagnoser]
public class BulkSerializationBenchmarks
{
    private readonly MemoryItem[] _items = [.. Enumerable.Range(0, 50).Select(i => new MemoryItem
    {
        Text = $"Handbook page {i}\n\nThis page explains how the team handles deploys, rollbacks and incidents in step {i}.",
        Source = "filesystem-cms",
        EventType = "cms_document",
        Tags = ["bench", $"group-{i % 7}"],
        Metadata = new Dictionary<string, object?>
        {
            ["native_id"] = $"0000/doc-{i:D7}.md",
            ["version"] = new string('a', 64),
            ["path"] = $"0000/doc-{i:D7}.md",
            ["title"] = $"Handbook page {i}",
            ["last_modified"] = "2026-11-24T11:00:00Z",
        },
    })];

    private byte[][] _serialized = [];

    [GlobalSetup]
    public void Setup() => _serialized = [.. _items.Select(MemorySyncWire.SerializeItem)];

    [Benchmark(Description = "serialize 50 items")]
    public int SerializeItems()
    {
        var total = 0;
        foreach (var item in _items)
        {
            total += MemorySyncWire.SerializeItem(item).Length;
        }

        return total;
    }

    [Benchmark(Description = "compose bulk-add body of 50")]
    public int Compose() => MemorySyncWire.ComposeBulkAdd(_serialized, deduplicate: false).Length;
}
