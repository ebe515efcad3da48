using System.Diagnostics;
using System.Globalization;

namespace ConnectorHost.Bench;

/// <summary>
/// One run of the published <c>connector-host</c> as a separate process: wall time, exit code and peak resident set
/// size (the kernel's high-water mark <c>VmHWM</c>, sampled every 50 ms while the process lives).
/// </summary>
/// <remarks>A peak reached in the last 50 ms before exit is missed; the high-water mark makes that unlikely to matter.</remarks>
internal sealed class HostProcess : IAsyncDisposable
{
    private static readonly bool s_echo = Environment.GetEnvironmentVariable("BENCH_HOST_OUTPUT") == "1";
    private readonly Process _process;
    private readonly Stopwatch _clock;
    private readonly Task _sampler;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<TimeSpan> _lineSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _watchFor;
    private long _peakKilobytes;
    private long _cpuTicks;

    private HostProcess(Process process, Stopwatch clock, string? watchFor)
    {
        _process = process;
        _clock = clock;
        _watchFor = watchFor;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _sampler = SampleAsync();
    }

    public int Id => _process.Id;

    /// <summary>The highest VmHWM seen, in bytes.</summary>
    public long PeakRssBytes => Interlocked.Read(ref _peakKilobytes) * 1024;

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>User plus system CPU time of the process at the last sample (clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime => TimeSpan.FromMilliseconds(Interlocked.Read(ref _cpuTicks) * 10);

    /// <summary>Completes with the time since start when a line containing the watched text is printed.</summary>
    public Task<TimeSpan> LineSeen => _lineSeen.Task;

    public static HostProcess Start(string appliance, string config, string apiKey, string? watchFor, params string[] verb)
    {
        var executable = Path.Combine(appliance, OperatingSystem.IsWindows() ? "connector-host.exe" : "connector-host");
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(config)!,
        };
        foreach (var argument in verb.Concat(["--config", config]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MEMORYSYNC_API_KEY"] = apiKey;
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        return new HostProcess(process, clock, watchFor);
    }

    /// <summary>Waits for exit; returns the exit code and the wall time from start to exit.</summary>
    public async Task<(int ExitCode, TimeSpan Wall)> WaitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        var wall = _clock.Elapsed;
        await _stop.CancelAsync();
        await _sampler;
        return (_process.ExitCode, wall);
    }

    /// <summary>Asks the service to stop as systemd would (SIGTERM) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _stop.CancelAsync();
        await _sampler.ContinueWith(static _ => { }, TaskScheduler.Default);
        _process.Dispose();
        _stop.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (s_echo)
        {
            Console.WriteLine("    host> " + line);
        }

        if (_watchFor is not null && line.Contains(_watchFor, StringComparison.Ordinal))
        {
            _lineSeen.TrySetResult(_clock.Elapsed);
        }
    }

    private async Task SampleAsync()
    {
        var status = $"/proc/{_process.Id}/status";
        var stat = $"/proc/{_process.Id}/stat";
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            do
            {
                Sample(status);
                SampleCpu(stat);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped: the process has exited.
        }
    }

    private void SampleCpu(string stat)
    {
        try
        {
            // Fields 14 and 15 (utime, stime) follow the command name, which is in parentheses.
            var text = File.ReadAllText(stat);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            Interlocked.Exchange(ref _cpuTicks, ticks);
        }
        catch (IOException)
        {
            // The process has exited between two samples; the last sample stands.
        }
    }

    private void Sample(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kilobytes = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    if (kilobytes > Interlocked.Read(ref _peakKilobytes))
                    {
                        Interlocked.Exchange(ref _peakKilobytes, kilobytes);
                    }

                    return;
                }
            }
        }
        catch (IOException)
        {
            // The process has exited between two samples; the last sample stands.
        }
    }
}
