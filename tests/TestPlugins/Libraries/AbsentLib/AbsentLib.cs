namespace AbsentLib;

/// <summary>Something to call, so that the caller needs this assembly when its code is compiled just in time.</summary>
public static class Greeting
{
    /// <summary>A greeting.</summary>
    /// <returns>Always "hello".</returns>
    public static string Hello() => "hello";
}

/// <summary>A base class, so that loading a derived type needs this assembly.</summary>
public abstract class AbsentBase
{
}
