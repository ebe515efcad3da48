using System.Reflection;
using System.Runtime.Loader;

namespace ConnectorHost.Plugins;

/// <summary>Turns what a plugin threw into a reason a person can act on: where, which exception, its message.</summary>
internal static class PluginFailures
{
    /// <summary>"where failed: ExceptionType: message", naming a static initializer or a missing dependency as such.</summary>
    public static string Describe(string where, Exception exception)
    {
        exception = Unwrap(exception);
        if (exception is TypeInitializationException { InnerException: { } inner } initialization)
        {
            return $"the static initializer of {initialization.TypeName} threw during {where}: {Name(Unwrap(inner))}";
        }

        if (FindMissingDependency(exception) is { } missing)
        {
            return $"{where} failed: missing dependency: {Name(missing)}";
        }

        return $"{where} failed: {Name(exception)}";
    }

    /// <summary>Describes the failures of <see cref="Assembly.GetTypes"/>, at most three distinct ones.</summary>
    public static string DescribeTypeLoad(string assemblyFile, ReflectionTypeLoadException exception)
    {
        var failures = exception.LoaderExceptions
            .OfType<Exception>()
            .Select(loaderException => FindMissingDependency(loaderException) is { } missing
                ? $"missing dependency: {Name(missing)}"
                : Name(loaderException))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var shown = string.Join("; ", failures.Take(3));
        var more = failures.Count > 3 ? $"; and {failures.Count - 3} more" : "";
        return $"type load of {assemblyFile} failed: {shown}{more}";
    }

    private static Exception? FindMissingDependency(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is FileNotFoundException or FileLoadException)
            {
                return current;
            }

            if (current is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(FindMissingDependency).FirstOrDefault(e => e is not null);
            }
        }

        return null;
    }

    private static Exception Unwrap(Exception exception)
    {
        while (true)
        {
            switch (exception)
            {
                case TargetInvocationException { InnerException: { } inner }:
                    exception = inner;
                    break;
                case AggregateException { InnerExceptions: [var single] }:
                    exception = single;
                    break;
                default:
                    return exception;
            }
        }
    }

    private static string Name(Exception exception)
    {
        // Where in the plugin's own code it was thrown; frames of the host or the framework say nothing to its author.
        var site = exception.TargetSite is { DeclaringType: { } type } method
            && AssemblyLoadContext.GetLoadContext(type.Assembly) != AssemblyLoadContext.Default
            ? $" (in {type.FullName}.{method.Name})"
            : "";
        return $"{exception.GetType().Name}: {exception.Message}{site}";
    }
}
