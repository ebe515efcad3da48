using System.Text;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>A temporary folder of real files, removed on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates an empty folder under the system's temporary folder.</summary>
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fscms-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>The absolute path of a file or folder given relative to this folder with <c>/</c> separators.</summary>
    public string PathOf(string relativePath) =>
        System.IO.Path.Combine(Path, relativePath.Replace('/', System.IO.Path.DirectorySeparatorChar));

    /// <summary>Writes a UTF-8 file (no byte order mark), creating its folders.</summary>
    public string Write(string relativePath, string content) => Write(relativePath, Encoding.UTF8.GetBytes(content));

    /// <summary>Writes a file, creating its folders.</summary>
    public string Write(string relativePath, byte[] content)
    {
        var path = PathOf(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Deletes a file.</summary>
    public void Delete(string relativePath) => File.Delete(PathOf(relativePath));

    /// <summary>Moves a file, creating the target's folders.</summary>
    public void Move(string from, string to)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(PathOf(to))!);
        File.Move(PathOf(from), PathOf(to));
    }

    /// <summary>Sets a file's last write time.</summary>
    public void SetLastWriteTime(string relativePath, DateTime utc) => File.SetLastWriteTimeUtc(PathOf(relativePath), utc);

    /// <summary>Gets a file's last write time.</summary>
    public DateTime GetLastWriteTime(string relativePath) => File.GetLastWriteTimeUtc(PathOf(relativePath));

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            // Deleting a tree removes symbolic links, never what they point to.
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
