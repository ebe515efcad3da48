using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Api;

namespace MemorySync.Emulator.Hosting;

/// <summary>Builds the emulator's web application: a lean Kestrel host, the API pipeline and the admin surface.</summary>
internal static class EmulatorApplication
{
    public static WebApplication Build(EmulatorOptions options)
    {
        // The empty builder reads no environment or appsettings, so nothing outside the options changes behaviour.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "MemorySync.Emulator" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddRoutingCore();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(options.Verbose ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<EmulatorRuntime>();

        var app = builder.Build();
        var runtime = app.Services.GetRequiredService<EmulatorRuntime>();
        app.Use((context, next) => ApiPipeline.RequestContext(context, next, runtime));
        app.UseRouting();
        MapApi(app, runtime);
        AdminEndpoints.Map(app, runtime);
        app.MapFallback((HttpContext context) => ApiPipeline.Error(context, runtime, 404, "Not found"))
            .WithDisplayName("unmatched");
        return app;
    }

    private static void MapApi(WebApplication app, EmulatorRuntime runtime)
    {
        app.MapGet("/health", () => runtime.Settings.Current.ServiceDown
                ? ApiResult.Json(503, new HealthResponse("degraded", "unhealthy", "healthy", "healthy"), EmulatorJson.Default.HealthResponse)
                : ApiResult.Json(200, new HealthResponse("ok", "healthy", "healthy", "healthy"), EmulatorJson.Default.HealthResponse))
            .AddEndpointFilter((invocation, next) => ApiPipeline.Faults(invocation, next, runtime));

        var api = app.MapGroup(string.Empty)
            .AddEndpointFilter((invocation, next) => ApiPipeline.Faults(invocation, next, runtime))
            .AddEndpointFilter((invocation, next) => ApiPipeline.ServiceDown(invocation, next, runtime))
            .AddEndpointFilter((invocation, next) => ApiPipeline.Authenticate(invocation, next, runtime))
            .AddEndpointFilter((invocation, next) => ApiPipeline.RateLimit(invocation, next, runtime));

        var memory = api.MapGroup("/memory")
            .AddEndpointFilter((invocation, next) => ApiPipeline.EndUser(invocation, next, runtime));
        Write(memory.MapPost("/add", Handler(context => MemoryEndpoints.AddAsync(context, runtime))), runtime, metered: true);
        Write(memory.MapPost("/bulk-add", Handler(context => MemoryEndpoints.BulkAddAsync(context, runtime))), runtime, metered: true);
        Read(memory.MapPost("/query", Handler(context => MemoryEndpoints.QueryAsync(context, runtime))), runtime);
        Read(memory.MapPost("/retrieve", Handler(context => MemoryEndpoints.QueryAsync(context, runtime))), runtime);
        memory.MapGet("/export", (HttpContext context) => MemoryEndpoints.Export(context, runtime));
        memory.MapGet("/{id}", (HttpContext context, string id) => MemoryEndpoints.Get(context, runtime, id));
        Write(memory.MapPatch("/{id}", (HttpContext context, string id) => MemoryEndpoints.PatchAsync(context, runtime, id)), runtime, metered: false);
        Write(memory.MapDelete("/forget", Handler(context => MemoryEndpoints.ForgetAsync(context, runtime))), runtime, metered: false);

        var webhooks = api.MapGroup("/org/webhooks");
        webhooks.MapPost(string.Empty, Handler(context => WebhookEndpoints.CreateAsync(context, runtime)));
        webhooks.MapGet(string.Empty, () => WebhookEndpoints.List(runtime));
        webhooks.MapGet("/{id}", (HttpContext context, string id) => WebhookEndpoints.Get(context, runtime, id));
        webhooks.MapDelete("/{id}", (HttpContext context, string id) => WebhookEndpoints.Delete(context, runtime, id));
    }

    private static void Write(RouteHandlerBuilder route, EmulatorRuntime runtime, bool metered)
    {
        route.AddEndpointFilter((invocation, next) => ApiPipeline.Idempotency(invocation, next, runtime));
        if (metered)
        {
            route.AddEndpointFilterFactory((_, next) => ApiPipeline.Quota(next, runtime, isWrite: true));
        }
    }

    // Typed as a route handler so the ApiResult it returns is executed (a plain RequestDelegate would discard it).
    private static Delegate Handler(Func<HttpContext, Task<ApiResult>> handler) => handler;

    private static void Read(RouteHandlerBuilder route, EmulatorRuntime runtime) =>
        route.AddEndpointFilterFactory((_, next) => ApiPipeline.Quota(next, runtime, isWrite: false));
}
