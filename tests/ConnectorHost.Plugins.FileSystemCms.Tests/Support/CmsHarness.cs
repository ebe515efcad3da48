using ConnectorHost.Plugins.FileSystemCms.Walking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>A <see cref="ConnectorHarness"/> for the FileSystemCms plugin over a folder, with its reads counted.</summary>
internal sealed class CmsHarness : IAsyncDisposable
{
    private CmsHarness(ConnectorHarness harness, CountingFileReader reader, FileSystemCmsOptions options)
    {
        Harness = harness;
        Reader = reader;
        Options = options;
    }

    public ConnectorHarness Harness { get; }

    public CountingFileReader Reader { get; }

    public FileSystemCmsOptions Options { get; }

    public TestLedger Ledger => Harness.Ledger;

    public static CmsHarness Create(string root, Action<FileSystemCmsOptions>? configure = null, TestLedger? ledger = null)
    {
        var options = new FileSystemCmsOptions { Root = root };
        configure?.Invoke(options);
        var reader = new CountingFileReader();
        var harness = ConnectorHarness.Create(
            new FileSystemCmsPlugin(),
            options,
            services => services.Replace(ServiceDescriptor.Singleton<IFileContentReader>(reader)),
            ledger);
        return new CmsHarness(harness, reader, options);
    }

    /// <summary>Runs once, counting only this run's reads.</summary>
    public Task<RunReport> RunAsync(bool fullSync = false)
    {
        Reader.Reset();
        return Harness.RunAsync(fullSync);
    }

    public ValueTask DisposeAsync() => Harness.DisposeAsync();
}
