using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemorySync.Emulator.Admin;

// The demo: the published appliance syncs a copy of samples/cms into a local MemorySync emulator, then a page is
// edited and another deleted, the appliance syncs again, and the report below is read back from the emulator.
// Usage: ConnectorHost.Demo --appliance <dir> --emulator <MemorySync.Emulator.dll> --samples <dir> --work <dir>

var options = DemoOptions.Parse(args);
var demoKey = "ms_demo_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
const string endUser = "demo";

PrepareWorkFolder(options);
await using var emulator = await EmulatorProcess.StartAsync(options.Emulator, demoKey);
using var admin = new EmulatorAdminClient(emulator.BaseAddress);
var config = WriteConfig(options, emulator.BaseAddress);

Heading("1. First sync of the sample CMS");
await RunHostAsync(options, config, demoKey, "sync", "handbook");
var afterFirst = await LiveAsync(admin, endUser);
Console.WriteLine($"MemorySync now holds {afterFirst.Count} memories from the handbook connector.");

Heading("2. A page is edited and another deleted");
var (edited, deleted) = EditSamples(options.Work);
Console.WriteLine($"edited  cms/{edited}");
Console.WriteLine($"deleted cms/{deleted}");

Heading("3. Second sync");
await RunHostAsync(options, config, demoKey, "sync", "handbook");
var afterSecond = await LiveAsync(admin, endUser);
var firstIds = afterFirst.Select(m => m.Id).ToHashSet();
var secondIds = afterSecond.Select(m => m.Id).ToHashSet();
var added = afterSecond.Where(m => !firstIds.Contains(m.Id)).ToList();
var gone = afterFirst.Where(m => !secondIds.Contains(m.Id)).ToList();
var replaced = gone.Where(m => added.Any(a => a.MetadataValue("native_id") == m.MetadataValue("native_id"))).ToList();
var forgotten = gone.Except(replaced).ToList();

Heading("Report, read back from MemorySync");
Console.WriteLine($"memories stored:  {afterSecond.Count}");
Console.WriteLine($"second run added: {added.Count - replaced.Count} new, replaced {replaced.Count} ({string.Join(", ", replaced.Select(m => m.MetadataValue("native_id")))})," +
                  $" forgot {forgotten.Count} ({string.Join(", ", forgotten.Select(m => m.MetadataValue("native_id")))})");
var duplicates = afterSecond.GroupBy(m => m.MetadataValue("native_id")).Count(g => g.Count() > 1);
Console.WriteLine($"items with more than one live memory: {duplicates}");

const string question = "What do I do when I get paged at night?";
var answer = await QueryAsync(emulator.BaseAddress, demoKey, endUser, question);
Console.WriteLine();
Console.WriteLine($"query: \"{question}\"");
Console.WriteLine(answer is null ? "  (no memory matched)" : $"  best match: {answer}");

return duplicates == 0 && forgotten.Count >= 1 && replaced.Count >= 1 ? 0 : 1;

static void PrepareWorkFolder(DemoOptions options)
{
    if (Directory.Exists(options.Work))
    {
        Directory.Delete(options.Work, recursive: true);
    }

    CopyDirectory(options.Samples, Path.Combine(options.Work, "cms"));
}

static string WriteConfig(DemoOptions options, Uri emulator)
{
    var config = new JsonObject
    {
        ["host"] = new JsonObject
        {
            ["pluginsDirectory"] = Path.Combine(options.Appliance, "plugins"),
            ["dataDirectory"] = "data",
            ["logDirectory"] = "logs",
            ["controlUrl"] = $"http://127.0.0.1:{FreePort()}",
        },
        ["memorySync"] = new JsonObject
        {
            ["baseUrl"] = emulator.ToString(),
            ["apiKey"] = "${env:MEMORYSYNC_API_KEY}",
            ["tier"] = "Unlimited",
        },
        ["connectors"] = new JsonArray(new JsonObject
        {
            ["name"] = "handbook",
            ["plugin"] = "FileSystemCms",
            ["endUserId"] = "demo",
            ["settings"] = new JsonObject
            {
                ["root"] = Path.Combine(options.Work, "cms"),
                ["maxFileSizeBytes"] = 65536,
            },
        }),
    };
    var path = Path.Combine(options.Work, "plugins.json");
    File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return path;
}

static async Task RunHostAsync(DemoOptions options, string config, string key, params string[] verb)
{
    var executable = Path.Combine(options.Appliance, OperatingSystem.IsWindows() ? "connector-host.exe" : "connector-host");
    var start = new ProcessStartInfo(executable) { UseShellExecute = false };
    foreach (var argument in verb.Concat(["--config", config]))
    {
        start.ArgumentList.Add(argument);
    }

    start.Environment["MEMORYSYNC_API_KEY"] = key;
    using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"connector-host {string.Join(' ', verb)} exited with {process.ExitCode}");
    }
}

static (string Edited, string Deleted) EditSamples(string work)
{
    var cms = Path.Combine(work, "cms");
    string Relative(string path) => Path.GetRelativePath(cms, path).Replace('\\', '/');
    var markdown = Directory.EnumerateFiles(cms, "*.md", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList();
    var edit = markdown.FirstOrDefault(f => f.EndsWith("on-call.md", StringComparison.Ordinal)) ?? markdown[0];
    File.AppendAllText(edit, "\n\n## Update\n\nSince this week, the secondary on-call engineer joins every incident bridge after 15 minutes.\n");
    var delete = markdown.LastOrDefault(f => f.Contains("blog", StringComparison.Ordinal) && f != edit) ?? markdown.Last(f => f != edit);
    File.Delete(delete);
    return (Relative(edit), Relative(delete));
}

static async Task<List<EmulatorMemory>> LiveAsync(EmulatorAdminClient admin, string endUser) =>
    [.. (await admin.GetMemoriesAsync(new MemoryFilter { EndUserId = endUser })).Where(m => !m.IsDeleted)];

static async Task<string?> QueryAsync(Uri baseAddress, string key, string endUser, string question)
{
    using var http = new HttpClient { BaseAddress = baseAddress };
    http.DefaultRequestHeaders.Add("X-API-Key", key);
    http.DefaultRequestHeaders.Add("X-End-User-ID", endUser);
    using var response = await http.PostAsJsonAsync(new Uri("memory/query", UriKind.Relative), new { query = question, k = 1 });
    response.EnsureSuccessStatusCode();
    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    var memories = json.RootElement.GetProperty("memories");
    if (memories.GetArrayLength() == 0)
    {
        return null;
    }

    var text = memories[0].GetProperty("text").GetString() ?? "";
    var firstLine = text.Split('\n')[0];
    var body = string.Join(' ', text.Split('\n').Skip(1).Where(l => l.Length > 0)).Trim();
    return $"\"{firstLine}\" — {(body.Length > 160 ? body[..160] + "..." : body)}";
}

static void Heading(string text)
{
    Console.WriteLine();
    Console.WriteLine($"== {text}");
}

static void CopyDirectory(string source, string target)
{
    Directory.CreateDirectory(target);
    foreach (var file in Directory.EnumerateFiles(source))
    {
        File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }

    foreach (var directory in Directory.EnumerateDirectories(source))
    {
        CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

internal sealed record DemoOptions(string Appliance, string Emulator, string Samples, string Work)
{
    public static DemoOptions Parse(string[] args)
    {
        string Value(string name) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value
                ? Path.GetFullPath(value)
                : throw new ArgumentException($"missing {name} <path>");
        return new DemoOptions(Value("--appliance"), Value("--emulator"), Value("--samples"), Value("--work"));
    }
}

/// <summary>The emulator as a separate process on a free loopback port; stopped (and waited for) on dispose.</summary>
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

    public static async Task<EmulatorProcess> StartAsync(string emulatorDll, string apiKey)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add(emulatorDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["MEMORYSYNC_EMULATOR_API_KEYS"] = apiKey;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the emulator");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                Console.WriteLine($"MemorySync emulator started at {line[ListeningPrefix.Length..]}");
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
        Console.WriteLine("MemorySync emulator stopped.");
    }
}
