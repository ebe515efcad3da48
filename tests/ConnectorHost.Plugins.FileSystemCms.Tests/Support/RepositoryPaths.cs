namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>Finds folders of the repository the tests were built from.</summary>
internal static class RepositoryPaths
{
    /// <summary>The sample content folder, <c>samples/cms</c>.</summary>
    public static string SampleCms => Find(Path.Combine("samples", "cms"));

    private static string Find(string relativePath)
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"'{relativePath}' was not found above {TestContext.CurrentContext.TestDirectory}.");
    }
}
