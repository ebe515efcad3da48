using System.Diagnostics;

namespace ConnectorHost.Bench;

/// <summary>
/// The emulator as a separate process on a free loopback port; stopped (and waited for) on dispose. A separate
/// process keeps its CPU, allocations and garbage collections out of the process being measured.
/// </summary>
internal sealed class EmulatorProcess : IAsyncDisposable
{
    private const string ListeningPrefix = "MemorySync emulator listening on ";
    private readonly Process _process;

    private EmulatorProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public static async Task<EmulatorProcess> StartAsync(string emulatorDll, string apiKey, params string[] options)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add(emulatorDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        start.Environment["MEMORYSYNC_EMULATOR_API_KEYS"] = apiKey;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the emulator");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return new EmulatorProcess(process, new Uri(line[ListeningPrefix.Length..].Trim().TrimEnd('/') + "/"));
            }
        }

        throw new InvalidOperationException("the emulator ended before it listened");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
