using ConnectorHost.Logging;
using ConnectorHost.Testing;
using Serilog.Context;

namespace ConnectorHost.Tests.Logging;

[Parallelizable(ParallelScope.All)]
public sealed class HostLoggingTests
{
    private const string Canary = "canary-secret-7f3a";

    [Test]
    public void Create_SecretInAPropertyOrAnException_NeverReachesTheLogFile()
    {
        using var temp = new TempDirectory("logs");
        var logger = HostLogging.Create(new LogSettings
        {
            Console = false,
            LogDirectory = temp.Path,
            Redact = line => line.Replace(Canary, "***", StringComparison.Ordinal),
        });

        logger.Information("Calling {Url} with key {Key}", "https://api.example.com", Canary);
        logger.Error(new InvalidOperationException($"401 for key {Canary}"), "Request failed");
        (logger as IDisposable)!.Dispose();

        var text = string.Concat(Directory.GetFiles(temp.Path).Select(File.ReadAllText));
        text.Should().NotContain(Canary);
        text.Should().Contain("with key ***").And.Contain("401 for key ***");
    }

    [Test]
    public void Create_LinesInsideARunScope_StartWithTheConnectorAndRunId()
    {
        using var temp = new TempDirectory("logs");
        var logger = HostLogging.Create(new LogSettings { Console = false, LogDirectory = temp.Path });

        using (LogContext.PushProperty("Connector", "handbook"))
        using (LogContext.PushProperty("RunId", "20261124T103322-a2f409"))
        {
            logger.Information("Run ended {Outcome}", "Succeeded");
        }

        logger.Information("Outside any run");
        (logger as IDisposable)!.Dispose();

        var lines = Directory.GetFiles(temp.Path).SelectMany(File.ReadAllLines).ToList();
        lines.Should().Contain(l => l.EndsWith("INF] [handbook 20261124T103322-a2f409] Run ended Succeeded", StringComparison.Ordinal));
        lines.Should().Contain(l => l.EndsWith("INF] Outside any run", StringComparison.Ordinal));
    }
}
