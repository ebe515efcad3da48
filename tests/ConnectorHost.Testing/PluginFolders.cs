namespace ConnectorHost.Testing;

/// <summary>
/// A temporary plugins directory assembled from the fixture plugins that the test project builds next to itself
/// (<c>&lt;test output&gt;/plugins/&lt;Name&gt;/</c>, see <c>PluginUnderTest</c> in tests/Directory.Build.targets). Each
/// fixture is copied, so a test may change its copy freely; disposing deletes the directory.
/// </summary>
/// <example>
/// <code>
/// using var plugins = PluginFolders.Create(FixturePlugins.Good, FixturePlugins.Scripted);
/// using var catalog = PluginCatalog.Load(new() { PluginsDirectory = plugins.Directory }, logger);
/// </code>
/// </example>
public sealed class PluginFolders : IDisposable
{
    private PluginFolders(string directory)
    {
        Directory = directory;
    }

    /// <summary>Where the test project's fixture plugins were built: <c>&lt;test output&gt;/plugins</c>.</summary>
    public static string FixturesDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>The absolute path of the temporary plugins directory.</summary>
    public string Directory { get; }

    /// <summary>Creates an empty temporary plugins directory, then adds the fixtures named.</summary>
    /// <param name="fixtures">Fixture folder names (see <see cref="FixturePlugins"/>), each copied under its own name.</param>
    /// <returns>The directory; dispose it to delete it.</returns>
    public static PluginFolders Create(params string[] fixtures)
    {
        var directory = Path.Combine(Path.GetTempPath(), "connectorhost-plugins-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var folders = new PluginFolders(directory);
        foreach (var fixture in fixtures)
        {
            folders.Add(fixture);
        }

        return folders;
    }

    /// <summary>The built fixture's folder (not a copy): read it, never change it.</summary>
    /// <param name="fixture">The fixture folder name.</param>
    /// <returns>Its absolute path.</returns>
    /// <exception cref="InvalidOperationException">The test project does not build that fixture.</exception>
    public static string FixturePath(string fixture)
    {
        var path = Path.Combine(FixturesDirectory, fixture);
        return System.IO.Directory.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"The fixture plugin '{fixture}' was not built next to the tests ({path}). Add "
                + $"<PluginUnderTest Include=\"..\\TestPlugins\\{fixture}\\{fixture}.csproj\" /> to the test project.");
    }

    /// <summary>Copies a fixture into the directory.</summary>
    /// <param name="fixture">The fixture folder name.</param>
    /// <param name="folderName">The plugin folder name to use; the fixture's name by default.</param>
    /// <returns>The absolute path of the copy.</returns>
    public string Add(string fixture, string? folderName = null)
    {
        var target = Path.Combine(Directory, folderName ?? fixture);
        CopyDirectory(FixturePath(fixture), target);
        return target;
    }

    /// <summary>Creates an empty folder (or any other path) in the directory.</summary>
    /// <param name="folderName">The folder name.</param>
    /// <returns>Its absolute path.</returns>
    public string AddEmptyFolder(string folderName) => System.IO.Directory.CreateDirectory(Path.Combine(Directory, folderName)).FullName;

    /// <summary>The path of a plugin folder in the directory.</summary>
    /// <param name="folderName">The folder name.</param>
    /// <returns>Its absolute path (it need not exist).</returns>
    public string PathOf(string folderName) => Path.Combine(Directory, folderName);

    /// <summary>Deletes the directory (best effort: a file still open elsewhere is left for the system to clean).</summary>
    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var directory in System.IO.Directory.EnumerateDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
        }
    }
}

/// <summary>The folder names of the fixture plugins in tests/TestPlugins (see the README there).</summary>
public static class FixturePlugins
{
    /// <summary>Id <c>Good</c>: yields itemCount upserts and a checkpoint; lists and checks its connection.</summary>
    public const string Good = "GoodPlugin";

    /// <summary>Id <c>Scripted</c>: every run replays the JSON script at its scriptPath setting.</summary>
    public const string Scripted = "ScriptedSource";

    /// <summary>Built against ConnectorHost.Abstractions 2.0: NotSupported.</summary>
    public const string IncompatibleMajor = "IncompatibleMajor";

    /// <summary>Built against ConnectorHost.Abstractions 1.3: NotSupported on a 1.2 host.</summary>
    public const string NewerMinor = "NewerMinor";

    /// <summary>Compiles the contract's sources into itself instead of referencing it: NotSupported.</summary>
    public const string EmbeddedContract = "EmbeddedContract";

    /// <summary>ConfigureServices throws: Malfunctioned when an instance is created.</summary>
    public const string ThrowingRegistrar = "ThrowingRegistrar";

    /// <summary>The registrar's constructor throws: Malfunctioned at load.</summary>
    public const string ThrowingRegistrarConstructor = "ThrowingRegistrarConstructor";

    /// <summary>The registrar's static initializer throws: Malfunctioned at load.</summary>
    public const string ThrowingStaticInit = "ThrowingStaticInit";

    /// <summary>AbsentLib is listed in its deps.json but missing: Malfunctioned before loading.</summary>
    public const string MissingDependency = "MissingDependency";

    /// <summary>A type derives from a class of the missing AbsentLib, and no deps.json tells: Malfunctioned at type load.</summary>
    public const string MissingBaseType = "MissingBaseType";

    /// <summary>Yields three upserts and a checkpoint "3", then throws InvalidOperationException("source failed on item 4").</summary>
    public const string ThrowsMidStream = "ThrowsMidStream";

    /// <summary>Yields one upsert, then never completes and ignores its token.</summary>
    public const string IgnoresCancellation = "IgnoresCancellation";

    /// <summary>The connector's constructor throws: Malfunctioned when an instance is created.</summary>
    public const string ThrowingConnector = "ThrowingConnector";

    /// <summary>Registers no IConnector: Malfunctioned when an instance is created.</summary>
    public const string NoConnector = "NoConnector";

    /// <summary>Uses ConflictLib 1.0.0.0 privately; its item's text names the version it sees.</summary>
    public const string ConflictA = "ConflictA";

    /// <summary>Uses ConflictLib 2.0.0.0 privately; its item's text names the version it sees.</summary>
    public const string ConflictB = "ConflictB";

    /// <summary>Declares the id <c>Good</c> too: with GoodPlugin, both are NotSupported.</summary>
    public const string DuplicateId = "DuplicateId";

    /// <summary>A folder whose only DLL is not a .NET assembly: NotSupported.</summary>
    public const string NotAnAssembly = "NotAnAssembly";
}
