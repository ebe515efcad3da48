using System.Net;
using MemorySync.Emulator.Admin;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace MemorySync.Emulator.Hosting;

/// <summary>
/// A running emulator in this process, for tests and tools: starts on 127.0.0.1 with a free port by default.
/// </summary>
/// <example>
/// <code>
/// await using var emulator = await MemorySyncEmulatorHost.StartAsync(new EmulatorOptions());
/// using var http = emulator.CreateClient("ops-team");
/// var memories = await emulator.Admin.GetMemoriesAsync();
/// </code>
/// </example>
public sealed class MemorySyncEmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private MemorySyncEmulatorHost(WebApplication app, EmulatorOptions options, Uri baseAddress)
    {
        _app = app;
        Options = options;
        BaseAddress = baseAddress;
        ApiKey = options.EffectiveApiKeys[0];
        Admin = new EmulatorAdminClient(baseAddress);
    }

    /// <summary>The address the emulator answers on, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The first accepted API key (the development key when none was configured).</summary>
    public string ApiKey { get; }

    /// <summary>The typed client of the admin surface.</summary>
    public EmulatorAdminClient Admin { get; }

    /// <summary>The options the emulator runs with.</summary>
    public EmulatorOptions Options { get; }

    /// <summary>Starts an emulator.</summary>
    /// <param name="options">What to run; validated first.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running emulator; dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="InvalidOperationException">A non-loopback address without <see cref="EmulatorOptions.AllowRemote"/>.</exception>
    public static async Task<MemorySyncEmulatorHost> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        EnsureLoopback(options);
        var app = EmulatorApplication.Build(options);
        try
        {
            await app.StartAsync(cancellationToken);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
                ?? throw new InvalidOperationException("The server does not report its addresses.");
            var first = addresses.Addresses.First();
            return new MemorySyncEmulatorHost(app, options, new Uri(first.EndsWith('/') ? first : first + "/"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of the API with <c>X-API-Key</c> set (and <c>X-End-User-ID</c> when given).</summary>
    /// <param name="endUserId">The end user the client acts for, or <see langword="null"/>.</param>
    /// <returns>A new client; the caller disposes it.</returns>
    public HttpClient CreateClient(string? endUserId = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        if (endUserId is not null)
        {
            client.DefaultRequestHeaders.Add("X-End-User-ID", endUserId);
        }

        return client;
    }

    /// <summary>Stops the emulator (pending webhook deliveries end); safe to call twice.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        Admin.Dispose();
    }

    /// <summary>Refuses addresses other than loopback unless remote access was allowed.</summary>
    internal static void EnsureLoopback(EmulatorOptions options)
    {
        if (options.AllowRemote)
        {
            return;
        }

        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = BindingAddress.Parse(url).Host.Trim('[', ']');
            var loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
            if (!loopback)
            {
                throw new InvalidOperationException(
                    $"Refusing to listen on {url}: the emulator accepts a development key and has an unauthenticated admin surface. Use a loopback address (127.0.0.1) or pass --allow-remote.");
            }
        }
    }
}
