using ConnectorHost.Plugins.FileSystemCms;
using ConnectorHost.Plugins.FileSystemCms.Walking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

[assembly: ConnectorPlugin("FileSystemCms", typeof(FileSystemCmsPlugin), DisplayName = "Filesystem CMS")]

namespace ConnectorHost.Plugins.FileSystemCms;

/// <summary>
/// The registrar of the <c>FileSystemCms</c> plugin: syncs a content folder of Markdown (with YAML front matter),
/// HTML and plain text files, as static-site generators and headless CMSs keep them. Settings:
/// <see cref="FileSystemCmsOptions"/>.
/// </summary>
public sealed class FileSystemCmsPlugin : ConnectorPlugin<FileSystemCmsOptions>
{
    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IFileContentReader, FileContentReader>();
        services.AddSingleton<FileSystemCmsConnector>();
        services.AddSingleton<IConnector>(provider => provider.GetRequiredService<FileSystemCmsConnector>());
    }
}
