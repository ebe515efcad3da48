using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>
/// A real HTTP server on 127.0.0.1 with a random port that answers from a script: for wire shapes the emulator does
/// not produce (string ids, older field names, HTTP-date Retry-After, non-JSON bodies) and for exact fault timing.
/// Records every request it receives.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<RecordedRequest, ScriptedResponse>> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _received = new();

    private ScriptedServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Answers requests once the script is used up.</summary>
    public Func<RecordedRequest, ScriptedResponse> Fallback { get; set; } =
        _ => ScriptedResponse.Json(500, """{"error":{"code":"UNSCRIPTED","message":"no answer scripted"}}""");

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Received => [.. _received];

    public static async Task<ScriptedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        ScriptedServer? server = null;
        app.Run(context => server!.AnswerAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        server = new ScriptedServer(app, new Uri(address + "/"));
        return server;
    }

    /// <summary>Queues the answer to the next request.</summary>
    public ScriptedServer Then(ScriptedResponse response) => Then(_ => response);

    /// <summary>Queues an answer computed from the next request.</summary>
    public ScriptedServer Then(Func<RecordedRequest, ScriptedResponse> respond)
    {
        _script.Enqueue(respond);
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        _received.Enqueue(request);

        var response = _script.TryDequeue(out var next) ? next(request) : Fallback(request);
        if (response.HoldUntil is { } hold)
        {
            // Hold the request open until the test releases it or the client gives up.
            await Task.WhenAny(hold, Task.Delay(Timeout.Infinite, context.RequestAborted));
        }

        if (response.Abort)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (response.Body is { } text)
        {
            context.Response.ContentType ??= response.ContentType;
            await context.Response.WriteAsync(text, Encoding.UTF8);
        }
    }
}

/// <summary>A request as the server received it.</summary>
internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A scripted answer.</summary>
internal sealed record ScriptedResponse
{
    public int Status { get; init; } = 200;

    public string? Body { get; init; }

    public string ContentType { get; init; } = "application/json";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Drop the connection without an answer.</summary>
    public bool Abort { get; init; }

    /// <summary>Answer only once this task completes (or the client gives up).</summary>
    public Task? HoldUntil { get; init; }

    public static ScriptedResponse Json(int status, string body, string? requestId = "req_test") => new()
    {
        Status = status,
        Body = body,
        Headers = requestId is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["X-Request-ID"] = requestId },
    };

    public static ScriptedResponse Dropped() => new() { Abort = true };

    public ScriptedResponse WithHeader(string name, string value) =>
        this with { Headers = new Dictionary<string, string>(Headers) { [name] = value } };
}
