using System.Net;
using ConnectorHost.Scheduling;
using ConnectorHost.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace ConnectorHost.Hosting;

/// <summary>
/// The appliance as a service (<c>connector-host run</c>): Quartz fires each connector on its schedule, and a loopback
/// control endpoint serves the CLI. Stops on SIGTERM/SIGINT: no new runs start, runs in progress wind down within the
/// grace period, and nothing past the last acknowledged checkpoint is committed.
/// </summary>
internal static class ServiceHost
{
    public static async Task RunAsync(ApplianceRuntime runtime, Serilog.ILogger serilog, CancellationToken cancellationToken)
    {
        var configuration = runtime.Configuration;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "connector-host",
            ContentRootPath = Path.GetDirectoryName(configuration.FilePath),
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(serilog, dispose: false);
        builder.Services.Configure<HostOptions>(options =>
            options.ShutdownTimeout = configuration.Host.ShutdownGracePeriod + TimeSpan.FromSeconds(15));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Loopback unless plugins.json says host.allowRemoteControl (checked when the file was loaded).
            var url = configuration.Host.ControlUrl;
            if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address))
            {
                kestrel.Listen(address, url.Port);
            }
            else if (url.IsLoopback)
            {
                kestrel.Listen(IPAddress.Loopback, url.Port);
            }
            else
            {
                kestrel.ListenAnyIP(url.Port);
            }

            kestrel.AddServerHeader = false;
        });

        builder.Services.AddSingleton(runtime.Time);
        builder.Services.AddSingleton<IConnectorRegistry>(runtime.Appliance.Registry);
        builder.Services.AddSingleton(runtime.Runner);
        builder.Services.AddSingleton(runtime.History);
        builder.Services.AddSingleton<IRunLeases>(runtime.Leases);
        builder.Services.AddSingleton<IApplianceOperations>(sp => runtime.CreateOperations(
            "service",
            runtime.Time.GetUtcNow(),
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
        var schedules = runtime.Schedules();
        builder.Services.AddConnectorScheduling(schedules);

        await using var app = builder.Build();
        var token = ControlToken.Create(configuration.Host.DataDirectory);
        app.MapControlEndpoint(token);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConnectorHost");
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() => logger.LogInformation(
            "Scheduler started: {Scheduled} of {Configured} connectors scheduled; control endpoint on {ControlUrl}",
            schedules.Count, runtime.Registry.Entries.Count, configuration.Host.ControlUrl));
        lifetime.ApplicationStopping.Register(() => logger.LogInformation(
            "Stopping: no new runs; runs in progress have {Grace} to wind down", configuration.Host.ShutdownGracePeriod));
        try
        {
            await app.RunAsync(cancellationToken);
        }
        finally
        {
            TryDelete(ControlToken.PathIn(configuration.Host.DataDirectory));
            logger.LogInformation("Stopped");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
