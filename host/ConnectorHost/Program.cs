using System.CommandLine;
using ConnectorHost.Cli;

namespace ConnectorHost;

internal static class Program
{
    public static Task<int> Main(string[] args) =>
        CommandLine.Build(Console.Out, Console.Error)
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration
            {
                // The service and local runs handle SIGTERM/SIGINT themselves, with a grace period for runs to wind
                // down; the parser's own handler would end the process after two seconds.
                ProcessTerminationTimeout = null,
                Output = Console.Out,
                Error = Console.Error,
            });
}
