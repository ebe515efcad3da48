using System.Security.Cryptography;
using System.Text;

namespace ConnectorHost.Status;

/// <summary>
/// The shared secret of the control endpoint: a random token in an owner-only file of the data folder, written by the
/// service at start and read by the CLI, so that only the appliance's own user can drive the running service.
/// </summary>
internal static class ControlToken
{
    public const string FileName = "control.token";
    public const string HeaderName = "X-Control-Token";

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>Writes a fresh token (owner read/write only) and returns it.</summary>
    public static string Create(string dataDirectory)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var path = PathIn(dataDirectory);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(token));
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return token;
    }

    /// <summary>Reads the token, or null when there is none (no service has run) or it cannot be read.</summary>
    public static string? TryRead(string dataDirectory)
    {
        try
        {
            var path = PathIn(dataDirectory);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static bool Matches(string expected, string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));
}
