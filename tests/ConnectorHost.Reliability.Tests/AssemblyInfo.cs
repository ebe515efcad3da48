using System.Runtime.Versioning;

// The suite starts the host as a process and signals it (SIGKILL, SIGTERM) and checks Unix file modes.
[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]
