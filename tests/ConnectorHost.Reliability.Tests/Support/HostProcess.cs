using System.Diagnostics;
using System.Text;

namespace ConnectorHost.Reliability.Tests.Support;

/// <summary>
/// The host as it ships, started as a separate process: <c>dotnet host/connector-host.dll</c> from the copy of its
/// build output that the test project places next to itself. Standard output and error are captured as they come.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    /// <summary>How long any one command may take before the test gives up on it (the machine is shared and slow).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly Task _exited;

    private HostProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _exited = _process.WaitForExitAsync();
    }

    public static string HostDirectory => Path.Combine(AppContext.BaseDirectory, "host");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts <c>connector-host</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static HostProcess Start(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetPath())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(HostDirectory, "connector-host.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A kill point set for the test runner itself must never leak into a child, nor a child's into the next.
        start.Environment.Remove("CONNECTOR_HOST_KILL_AT");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return new HostProcess(new Process { StartInfo = start });
    }

    /// <summary>Runs a command to its end and returns what it printed and its exit code.</summary>
    public static async Task<ProcessResult> RunAsync(
        string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(workingDirectory, args, environment);
        return await process.WaitAsync(timeout);
    }

    /// <summary>Waits for the process to end; kills it and throws when it outlives <paramref name="timeout"/>.</summary>
    public async Task<ProcessResult> WaitAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _exited.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            Kill();
            await _exited;
            throw new TimeoutException($"connector-host did not end within {timeout ?? DefaultTimeout}:\n{Result()}");
        }

        return Result();
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to clean up.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already ended.
        }
    }

    /// <summary>SIGTERM: what systemd sends to stop the service.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private ProcessResult Result() => new(_process.HasExited ? _process.ExitCode : -1, Output, Error);

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }
    }

    private static string DotnetPath() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
}

/// <summary>How a <c>connector-host</c> process ended and what it printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    /// <summary>The exit code of a process ended by SIGKILL (128 + 9).</summary>
    public const int KilledExitCode = 137;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
