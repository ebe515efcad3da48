namespace ConnectorHost.Abstractions;

/// <summary>
/// One configured connector instance: an entry of <c>connectors</c> in <c>plugins.json</c>.
/// </summary>
/// <param name="Name">The instance name, unique in the configuration (e.g. <c>eng-wiki</c>).</param>
/// <param name="PluginId">The id of the plugin the instance runs (e.g. <c>Confluence</c>).</param>
/// <param name="EndUserId">The MemorySync end user the instance's memories belong to (<c>X-End-User-ID</c>).</param>
public sealed record ConnectorInstance(string Name, string PluginId, string EndUserId);
