namespace ConflictLib;

/// <summary>Says which build of ConflictLib is loaded.</summary>
public static class LibraryInfo
{
    /// <summary>The build's edition (a property, not a constant, so callers read it at run time).</summary>
    public static string Edition => "first edition";

    /// <summary>The assembly version that was loaded.</summary>
    public static Version LoadedVersion => typeof(LibraryInfo).Assembly.GetName().Version!;
}
