using System.Diagnostics;
using System.Net;
using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Tests.Hosting;

public sealed class ProcessTests
{
    [Test]
    public async Task BuiltEmulator_PrintsItsAddressAndAnswersHealth()
    {
        using var process = StartEmulator("--urls", "http://127.0.0.1:0", "--api-key", "ms_secret_process_key", "--verbose");
        try
        {
            var lines = new List<string>();
            string? address = null;
            while (address is null && await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith(EmulatorCommandLine.ListeningPrefix, StringComparison.Ordinal))
                {
                    address = line[EmulatorCommandLine.ListeningPrefix.Length..];
                }
            }

            address.Should().MatchRegex(@"^http://127\.0\.0\.1:\d+$");
            string.Join('\n', lines).Should().NotContain("ms_secret_process_key");
            using var client = new HttpClient { BaseAddress = new Uri(address!) };
            using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
            health.StatusCode.Should().Be(HttpStatusCode.OK);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/memory/query");
            request.Headers.Add("X-API-Key", "ms_secret_process_key");
            request.Headers.Add("X-End-User-ID", "u1");
            request.Content = new StringContent("""{"query":"anything"}""");
            using var query = await client.SendAsync(request);
            query.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // Verbose logs name every request and never the key.
        var log = await process.StandardError.ReadToEndAsync();
        log.Should().Contain("/memory/query").And.NotContain("ms_secret_process_key");
    }

    [Test]
    public async Task CommandLine_NonLoopbackAddress_IsRefusedWithExitCode2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await EmulatorCommandLine.Create(output, error).Parse(["--urls", "http://0.0.0.0:0"]).InvokeAsync();

        exitCode.Should().Be(2);
        error.ToString().Should().Contain("--allow-remote");
    }

    [Test]
    public async Task StartAsync_NonLoopbackAddress_Throws()
    {
        var start = () => MemorySyncEmulatorHost.StartAsync(new EmulatorOptions { Urls = "http://192.0.2.10:0" });

        await start.Should().ThrowAsync<InvalidOperationException>().WithMessage("*loopback*");
    }

    [Test]
    public async Task StartAsync_WithoutKeys_AcceptsTheDevelopmentKey()
    {
        await using var emulator = await MemorySyncEmulatorHost.StartAsync(new EmulatorOptions());

        emulator.ApiKey.Should().Be(EmulatorOptions.DevelopmentApiKey);
        emulator.BaseAddress.Host.Should().Be("127.0.0.1");
    }

    private static Process StartEmulator(params string[] arguments)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "MemorySync.Emulator.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove(EmulatorOptions.ApiKeysEnvironmentVariable);
        return Process.Start(info) ?? throw new InvalidOperationException("The emulator process did not start.");
    }
}
