// ConnectorHost build. Entry points: ./build.sh --target=<Target> (or ./build.ps1).
//   Build    compile everything (warnings are errors)
//   Test     build, then run every tests/**/*.Tests.csproj; TRX results in artifacts/test-results/
//   Publish  the appliance layout in artifacts/appliance/ (host, plugins/<Name>/, plugins.json, data/, logs/)
//   Demo     publish, then sync the sample CMS into a local MemorySync emulator and report what arrived
//   Bench    publish, then run the benchmarks in bench/ (results in docs/benchmarks.md)
//   Clean    remove artifacts and build outputs

using System.Diagnostics;
using System.Threading;

var target = Argument("target", "Build");
var configuration = Argument("configuration", "Release");
var artifacts = MakeAbsolute(Directory("./artifacts"));
var appliance = artifacts.Combine("appliance");
var testResults = artifacts.Combine("test-results");
var solution = File("./ConnectorHost.sln");

Task("Clean")
    .Does(() =>
{
    CleanDirectory(artifacts);
    CleanDirectories("./**/bin/" + configuration);
    CleanDirectories("./**/obj");
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings
    {
        Configuration = configuration,
        MSBuildSettings = new DotNetMSBuildSettings().TreatAllWarningsAs(MSBuildTreatAllWarningsAs.Error),
    });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(testResults);
    var projects = GetFiles("./tests/**/*.Tests.csproj").OrderBy(p => p.FullPath).ToList();
    var failures = new List<string>();
    var gate = new object();
    // Test projects run side by side (one per core); each one's output is printed whole when it ends.
    Parallel.ForEach(projects, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, project =>
    {
        var name = project.GetFilenameWithoutExtension().ToString();
        var args = $"test \"{project.FullPath}\" --no-build -c {configuration} " +
                   $"--logger \"trx;LogFileName={name}.trx\" --logger \"console;verbosity=normal\" " +
                   $"--results-directory \"{testResults.FullPath}\" --blame-hang-timeout 5m";
        var (exitCode, output) = RunCaptured("dotnet", args);
        lock (gate)
        {
            Information("──── {0} (exit {1})", name, exitCode);
            Information(output);
            if (exitCode != 0) failures.Add(name);
        }
    });
    if (failures.Count > 0)
    {
        throw new Exception("Tests failed in: " + string.Join(", ", failures));
    }
});

Task("Publish")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(appliance);
    DotNetPublish("./host/ConnectorHost/ConnectorHost.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = appliance,
    });
    foreach (var plugin in GetFiles("./plugins/*/*.csproj"))
    {
        var name = plugin.GetFilenameWithoutExtension().ToString();
        DotNetPublish(plugin.FullPath, new DotNetPublishSettings
        {
            Configuration = configuration,
            NoBuild = true,
            OutputDirectory = appliance.Combine("plugins").Combine(name),
        });
    }
    DotNetPublish("./emulator/MemorySync.Emulator/MemorySync.Emulator.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = artifacts.Combine("emulator"),
    });
    if (FileExists("./plugins.json")) CopyFile("./plugins.json", appliance.CombineWithFilePath("plugins.json"));
    if (FileExists("./plugins.schema.json")) CopyFile("./plugins.schema.json", appliance.CombineWithFilePath("plugins.schema.json"));
    EnsureDirectoryExists(appliance.Combine("data"));
    EnsureDirectoryExists(appliance.Combine("logs"));
    Information("Appliance published to {0}", appliance);
});

Task("Demo")
    .IsDependentOn("Publish")
    .Does(() =>
{
    var driver = artifacts.Combine("demo-driver");
    DotNetPublish("./samples/Demo/ConnectorHost.Demo.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = driver,
    });
    DotNetExecute(
        driver.CombineWithFilePath("ConnectorHost.Demo.dll"),
        new ProcessArgumentBuilder()
            .Append("--appliance").AppendQuoted(appliance.FullPath)
            .Append("--emulator").AppendQuoted(artifacts.Combine("emulator").CombineWithFilePath("MemorySync.Emulator.dll").FullPath)
            .Append("--samples").AppendQuoted(MakeAbsolute(Directory("./samples/cms")).FullPath)
            .Append("--work").AppendQuoted(artifacts.Combine("demo").FullPath));
});

Task("Bench")
    .IsDependentOn("Publish")
    .Does(() =>
{
    // Arguments pass through to the runner: --scenario=throughput (or all), --documents=N, --large=N, --runs=N.
    var runner = artifacts.Combine("bench-runner");
    DotNetPublish("./bench/ConnectorHost.Bench/ConnectorHost.Bench.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = runner,
    });
    var arguments = new ProcessArgumentBuilder()
        .Append("--appliance").AppendQuoted(appliance.FullPath)
        .Append("--emulator").AppendQuoted(artifacts.Combine("emulator").CombineWithFilePath("MemorySync.Emulator.dll").FullPath)
        .Append("--work").AppendQuoted(artifacts.Combine("bench").FullPath)
        .Append("--scenario").Append(Argument("scenario", "all"));
    foreach (var option in new[] { "documents", "large", "runs", "concurrency", "baseline1-limit" })
    {
        if (HasArgument(option)) arguments.Append("--" + option).Append(Argument<string>(option));
    }
    DotNetExecute(runner.CombineWithFilePath("ConnectorHost.Bench.dll"), arguments);
    if (Argument("micro", false))
    {
        // BenchmarkDotNet builds and runs its own Release copy; it prints its tables and writes BenchmarkDotNet.Artifacts/.
        DotNetRun("./bench/ConnectorHost.Bench.Micro/ConnectorHost.Bench.Micro.csproj",
            new ProcessArgumentBuilder().Append("--filter").AppendQuoted("*"),
            new DotNetRunSettings { Configuration = configuration, NoBuild = true });
    }
});

Task("Default").IsDependentOn("Build");

RunTarget(target);

static (int ExitCode, string Output) RunCaptured(string fileName, string arguments)
{
    var info = new ProcessStartInfo(fileName, arguments)
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    using var process = Process.Start(info);
    var output = new System.Text.StringBuilder();
    process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
    process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    process.WaitForExit();
    return (process.ExitCode, output.ToString());
}
