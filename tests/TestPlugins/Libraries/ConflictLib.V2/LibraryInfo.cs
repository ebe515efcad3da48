namespace ConflictLib;

/// <summary>Says which build of ConflictLib is loaded.</summary>
public static class LibraryInfo
{
    /// <summary>The build's edition (a property, not a constant, so callers read it at run time).</summary>
    public static string Edition => "second edition";

    /// <summary>The assembly version that was loaded.</summary>
    public static Version LoadedVersion => typeof(LibraryInfo).Assembly.GetName().Version!;

    /// <summary>Only in version 2: a caller bound to version 1 would fail with MissingMethodException.</summary>
    /// <param name="reader">Who is asking.</param>
    /// <returns>A sentence naming the reader and the edition.</returns>
    public static string DescribeFor(string reader) => $"{reader} reads ConflictLib {LoadedVersion} ({Edition})";
}
