using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ConnectorHost.Fakes.Asana;

/// <summary>
/// The scriptable state of a fake Asana workspace: users, teams, projects, sections, tags, custom fields, tasks,
/// stories and the event feeds, on an injectable clock. Tests change it between (or during) runs; the server reads it.
/// </summary>
/// <remarks>
/// <para>
/// <c>modified_at</c> follows the published rules: renaming, editing notes, (un)assigning, changing the due date or a
/// custom field, completing, trashing and every new story (a comment included) bump it; adding a task to another
/// project, removing it from one, moving it between sections and tagging do not.
/// </para>
/// <para>
/// Every mutation is recorded as an event on the task itself and on each project it belongs to, the way a project
/// subscription of the Events API sees it. <see cref="DropEvents"/> loses events on purpose (delivery is at most once).
/// Thread-safe: one lock guards the whole workspace.
/// </para>
/// </remarks>
public sealed partial class FakeAsanaWorkspace
{
    internal const string SyncTokenTooOld =
        "Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full " +
        "dataset for this query now and use the new sync token for the next sync.";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, UserRecord> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TeamRecord> _teams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectRecord> _projects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SectionRecord> _sections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagRecord> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CustomFieldRecord> _customFields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskRecord> _tasks = new(StringComparer.Ordinal);
    private readonly List<EventRecord> _events = [];
    private readonly Dictionary<string, SyncTokenRecord> _syncTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OffsetRecord> _offsets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deniedProjects = new(StringComparer.Ordinal);
    private readonly List<(Func<FakeAsanaEvent, bool> Match, int Remaining)> _drops = [];
    private long _nextGid = 1_200_000_000_000_100;
    private long _eventSequence;

    /// <summary>Creates a workspace with one user (<see cref="MeGid"/>) and an access token for it.</summary>
    /// <param name="clock">The clock stamping every change; <see cref="TimeProvider.System"/> when not given.</param>
    /// <param name="name">The workspace name.</param>
    public FakeAsanaWorkspace(TimeProvider? clock = null, string name = "Acme Corp")
    {
        Clock = clock ?? TimeProvider.System;
        Name = name;
        Gid = NewGid();
        MeGid = CreateUser("Ada Lovelace", "ada@example.com");
        AccessToken = IssueToken(MeGid);
    }

    /// <summary>The clock stamping <c>modified_at</c>, stories, events, and ageing tokens and offsets.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The workspace gid.</summary>
    public string Gid { get; }

    /// <summary>The workspace name.</summary>
    public string Name { get; }

    /// <summary>The user the default token belongs to (<c>GET /users/me</c>).</summary>
    public string MeGid { get; }

    /// <summary>A valid personal access token of <see cref="MeGid"/>.</summary>
    public string AccessToken { get; }

    /// <summary>Whether premium-only endpoints answer (otherwise 402 Payment Required).</summary>
    public bool IsPremium { get; set; }

    /// <summary>How long a sync token of the Events API stays valid (Asana: 24 hours, "may expire sooner").</summary>
    public TimeSpan SyncTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a pagination offset stays valid ("an offset token will expire after some time").</summary>
    public TimeSpan OffsetLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Adds a user.</summary>
    /// <param name="name">The user's name.</param>
    /// <param name="email">The user's e-mail address.</param>
    /// <returns>The user gid.</returns>
    public string CreateUser(string name, string? email = null)
    {
        lock (_lock)
        {
            var gid = NewGid();
            _users[gid] = new UserRecord(gid, name, email ?? $"user{gid}@example.com");
            return gid;
        }
    }

    /// <summary>Issues a new personal access token for a user.</summary>
    /// <param name="userGid">The user.</param>
    /// <returns>The token.</returns>
    public string IssueToken(string userGid)
    {
        lock (_lock)
        {
            _ = Require(_users, userGid, "user");
            var token = "2/" + userGid + "/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            _tokens[token] = userGid;
            return token;
        }
    }

    /// <summary>Revokes a token: requests carrying it answer 401.</summary>
    /// <param name="token">The token.</param>
    public void RevokeToken(string token)
    {
        lock (_lock)
        {
            _tokens.Remove(token);
        }
    }

    /// <summary>Adds a team.</summary>
    /// <param name="name">The team name.</param>
    /// <returns>The team gid.</returns>
    public string CreateTeam(string name)
    {
        lock (_lock)
        {
            var gid = NewGid();
            _teams[gid] = new TeamRecord(gid, name);
            return gid;
        }
    }

    /// <summary>Adds a project with one section, "Untitled section".</summary>
    /// <param name="name">The project name.</param>
    /// <param name="teamGid">The team it belongs to, if any.</param>
    /// <param name="archived">Whether it starts archived.</param>
    /// <returns>The project gid.</returns>
    public string CreateProject(string name, string? teamGid = null, bool archived = false)
    {
        lock (_lock)
        {
            if (teamGid is not null)
            {
                _ = Require(_teams, teamGid, "team");
            }

            var project = new ProjectRecord(NewGid(), name, teamGid) { Archived = archived };
            _projects[project.Gid] = project;
            var section = new SectionRecord(NewGid(), "Untitled section", project.Gid);
            _sections[section.Gid] = section;
            project.Sections.Add(section.Gid);
            return project.Gid;
        }
    }

    /// <summary>Archives or restores a project.</summary>
    /// <param name="projectGid">The project.</param>
    /// <param name="archived">The new state.</param>
    public void ArchiveProject(string projectGid, bool archived = true)
    {
        lock (_lock)
        {
            Require(_projects, projectGid, "project").Archived = archived;
        }
    }

    /// <summary>Makes a project refuse the token's user (403 Forbidden on every request about it).</summary>
    /// <param name="projectGid">The project.</param>
    public void DenyAccess(string projectGid)
    {
        lock (_lock)
        {
            _ = Require(_projects, projectGid, "project");
            _deniedProjects.Add(projectGid);
        }
    }

    /// <summary>Adds a section to a project.</summary>
    /// <param name="projectGid">The project.</param>
    /// <param name="name">The section name.</param>
    /// <returns>The section gid.</returns>
    public string CreateSection(string projectGid, string name)
    {
        lock (_lock)
        {
            var project = Require(_projects, projectGid, "project");
            var section = new SectionRecord(NewGid(), name, projectGid);
            _sections[section.Gid] = section;
            project.Sections.Add(section.Gid);
            return section.Gid;
        }
    }

    /// <summary>Adds a tag.</summary>
    /// <param name="name">The tag name.</param>
    /// <returns>The tag gid.</returns>
    public string CreateTag(string name)
    {
        lock (_lock)
        {
            var gid = NewGid();
            _tags[gid] = new TagRecord(gid, name);
            return gid;
        }
    }

    /// <summary>Adds a custom field to the workspace.</summary>
    /// <param name="name">The field name.</param>
    /// <param name="subtype"><c>text</c>, <c>number</c> or <c>enum</c>.</param>
    /// <returns>The custom field gid.</returns>
    public string CreateCustomField(string name, string subtype = "text")
    {
        lock (_lock)
        {
            var gid = NewGid();
            _customFields[gid] = new CustomFieldRecord(gid, name, subtype);
            return gid;
        }
    }

    /// <summary>Creates a task in a project.</summary>
    /// <param name="projectGid">The project.</param>
    /// <param name="name">The task name.</param>
    /// <param name="spec">Optional properties.</param>
    /// <returns>The task gid.</returns>
    public string CreateTask(string projectGid, string name, FakeTaskSpec? spec = null)
    {
        spec ??= new FakeTaskSpec();
        lock (_lock)
        {
            var project = Require(_projects, projectGid, "project");
            var now = Now();
            var task = new TaskRecord(NewGid(), now, MeGid)
            {
                Name = name,
                AssigneeGid = spec.AssigneeGid,
                DueOn = spec.DueOn,
                Completed = spec.Completed,
                CompletedAt = spec.Completed ? now : null,
                ModifiedAt = now,
            };
            SetNotesCore(task, spec.Notes, spec.HtmlNotes);
            var sectionGid = spec.SectionGid ?? project.Sections[0];
            task.Memberships.Add((projectGid, sectionGid));
            task.TagGids.AddRange(spec.TagGids);
            foreach (var (field, value) in spec.CustomFields)
            {
                _ = Require(_customFields, field, "custom_field");
                task.CustomFields[field] = value;
            }

            _tasks[task.Gid] = task;
            project.TaskGids.Add(task.Gid);
            Record(task, new FakeAsanaEvent("added", task.Gid, "task", projectGid, "project"), [projectGid]);
            return task.Gid;
        }
    }

    /// <summary>Creates many tasks in a project, named by <paramref name="name"/>.</summary>
    /// <param name="projectGid">The project.</param>
    /// <param name="count">How many.</param>
    /// <param name="name">The name of the i-th task (0-based); "Task i" when not given.</param>
    /// <param name="spec">The spec of the i-th task, if any.</param>
    /// <returns>The task gids, in creation order.</returns>
    public IReadOnlyList<string> CreateTasks(
        string projectGid, int count, Func<int, string>? name = null, Func<int, FakeTaskSpec?>? spec = null)
    {
        var gids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            gids.Add(CreateTask(projectGid, name?.Invoke(i) ?? $"Task {i}", spec?.Invoke(i)));
        }

        return gids;
    }

    /// <summary>Renames a task (bumps <c>modified_at</c>, adds a <c>name_changed</c> story).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="name">The new name.</param>
    public void RenameTask(string taskGid, string name)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            var old = task.Name;
            task.Name = name;
            AddStoryCore(task, "name_changed", $"changed the name to \"{name}\" (was \"{old}\")", MeGid);
            Changed(task, "name");
        }
    }

    /// <summary>Replaces a task's notes with plain text (bumps <c>modified_at</c>).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="notes">The new notes.</param>
    public void SetNotes(string taskGid, string notes)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            SetNotesCore(task, notes, null);
            Changed(task, "notes");
        }
    }

    /// <summary>Replaces a task's notes with rich text (bumps <c>modified_at</c>).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="htmlNotes">The new notes, <c>&lt;body&gt;…&lt;/body&gt;</c>.</param>
    public void SetHtmlNotes(string taskGid, string htmlNotes)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            SetNotesCore(task, null, htmlNotes);
            Changed(task, "html_notes");
        }
    }

    /// <summary>Assigns or unassigns a task (bumps <c>modified_at</c>, adds an <c>assigned</c> story).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="userGid">The assignee, or <see langword="null"/> to unassign.</param>
    public void Assign(string taskGid, string? userGid)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            task.AssigneeGid = userGid is null ? null : Require(_users, userGid, "user").Gid;
            AddStoryCore(
                task,
                userGid is null ? "unassigned" : "assigned",
                userGid is null ? "unassigned" : $"assigned to {_users[userGid].Name}",
                MeGid);
            Changed(task, "assignee");
        }
    }

    /// <summary>Sets or clears a task's due date (bumps <c>modified_at</c>).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="dueOn">The due date, or <see langword="null"/>.</param>
    public void SetDueOn(string taskGid, DateOnly? dueOn)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            task.DueOn = dueOn;
            AddStoryCore(task, "due_date_changed", "changed the due date", MeGid);
            Changed(task, "due_on");
        }
    }

    /// <summary>Marks a task complete or incomplete (bumps <c>modified_at</c>).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="completed">The new state.</param>
    public void CompleteTask(string taskGid, bool completed = true)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            task.Completed = completed;
            task.CompletedAt = completed ? Now() : null;
            AddStoryCore(
                task, completed ? "marked_complete" : "marked_incomplete",
                completed ? "marked this task complete" : "marked this task incomplete", MeGid);
            Changed(task, "completed");
        }
    }

    /// <summary>Sets a custom field value on a task (bumps <c>modified_at</c>).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="customFieldGid">The custom field.</param>
    /// <param name="value">A string (text, enum option name), a number, or <see langword="null"/>.</param>
    public void SetCustomField(string taskGid, string customFieldGid, object? value)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            _ = Require(_customFields, customFieldGid, "custom_field");
            task.CustomFields[customFieldGid] = value;
            Changed(task, "custom_fields");
        }
    }

    /// <summary>Adds a tag to a task (does not bump <c>modified_at</c>).</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="tagGid">The tag.</param>
    public void AddTag(string taskGid, string tagGid)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            _ = Require(_tags, tagGid, "tag");
            if (!task.TagGids.Contains(tagGid))
            {
                task.TagGids.Add(tagGid);
                Record(task, new FakeAsanaEvent("added", task.Gid, "task", tagGid, "tag"), ProjectsOf(task));
            }
        }
    }

    /// <summary>Comments on a task: a <c>comment_added</c> story, which bumps the task's <c>modified_at</c>.</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="text">The comment text.</param>
    /// <param name="authorGid">The author; <see cref="MeGid"/> when not given.</param>
    /// <returns>The story gid.</returns>
    public string AddComment(string taskGid, string text, string? authorGid = null)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            var author = authorGid is null ? MeGid : Require(_users, authorGid, "user").Gid;
            var story = AddStoryCore(task, "comment_added", text, author);
            return story.Gid;
        }
    }

    /// <summary>Edits a comment's text in place (sets <c>is_edited</c>; Asana does not document a bump).</summary>
    /// <param name="storyGid">The comment story.</param>
    /// <param name="text">The new text.</param>
    public void EditComment(string storyGid, string text)
    {
        lock (_lock)
        {
            var story = _tasks.Values.SelectMany(t => t.Stories).FirstOrDefault(s => s.Gid == storyGid)
                ?? throw new ArgumentException($"No story {storyGid}.", nameof(storyGid));
            story.Text = text;
            story.IsEdited = true;
        }
    }

    /// <summary>Adds a task to another project (multi-homing); does not bump <c>modified_at</c>.</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="projectGid">The project.</param>
    /// <param name="sectionGid">The section; the project's first when not given.</param>
    public void AddToProject(string taskGid, string projectGid, string? sectionGid = null)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            var project = Require(_projects, projectGid, "project");
            if (task.Memberships.Any(m => m.Project == projectGid))
            {
                return;
            }

            task.Memberships.Add((projectGid, sectionGid ?? project.Sections[0]));
            project.TaskGids.Add(taskGid);
            Record(task, new FakeAsanaEvent("added", taskGid, "task", projectGid, "project"), ProjectsOf(task));
        }
    }

    /// <summary>Removes a task from a project; does not bump <c>modified_at</c>.</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="projectGid">The project.</param>
    public void RemoveFromProject(string taskGid, string projectGid)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            var project = Require(_projects, projectGid, "project");
            var recipients = ProjectsOf(task);
            if (task.Memberships.RemoveAll(m => m.Project == projectGid) == 0)
            {
                return;
            }

            project.TaskGids.Remove(taskGid);
            Record(task, new FakeAsanaEvent("removed", taskGid, "task", projectGid, "project"), recipients);
        }
    }

    /// <summary>Moves a task from one project to another; does not bump <c>modified_at</c>.</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="fromProjectGid">The project it leaves.</param>
    /// <param name="toProjectGid">The project it joins.</param>
    public void MoveTask(string taskGid, string fromProjectGid, string toProjectGid)
    {
        AddToProject(taskGid, toProjectGid);
        RemoveFromProject(taskGid, fromProjectGid);
    }

    /// <summary>Moves a task to another section of one of its projects; does not bump <c>modified_at</c>.</summary>
    /// <param name="taskGid">The task.</param>
    /// <param name="sectionGid">The section.</param>
    public void MoveToSection(string taskGid, string sectionGid)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            var section = Require(_sections, sectionGid, "section");
            var index = task.Memberships.FindIndex(m => m.Project == section.ProjectGid);
            if (index < 0)
            {
                throw new ArgumentException($"Task {taskGid} is not in project {section.ProjectGid}.");
            }

            task.Memberships[index] = (section.ProjectGid, sectionGid);
            Record(task, new FakeAsanaEvent("added", taskGid, "task", sectionGid, "section"), ProjectsOf(task));
        }
    }

    /// <summary>Trashes a task: it leaves every listing, 404s, bumps <c>modified_at</c>, and a <c>deleted</c> event.</summary>
    /// <param name="taskGid">The task.</param>
    public void DeleteTask(string taskGid)
    {
        lock (_lock)
        {
            var task = LiveTask(taskGid);
            task.Deleted = true;
            task.ModifiedAt = Now();
            Record(task, new FakeAsanaEvent("deleted", taskGid, "task"), ProjectsOf(task));
        }
    }

    /// <summary>Restores a trashed task (an <c>undeleted</c> event; <c>modified_at</c> is left as it was).</summary>
    /// <param name="taskGid">The task.</param>
    public void UndeleteTask(string taskGid)
    {
        lock (_lock)
        {
            var task = Require(_tasks, taskGid, "task");
            if (!task.Deleted)
            {
                return;
            }

            task.Deleted = false;
            Record(task, new FakeAsanaEvent("undeleted", taskGid, "task"), ProjectsOf(task));
        }
    }

    /// <summary>Loses the next <paramref name="count"/> events matching <paramref name="match"/> (at-most-once delivery).</summary>
    /// <param name="count">How many events to lose.</param>
    /// <param name="match">Which events; every event when not given.</param>
    public void DropEvents(int count = 1, Func<FakeAsanaEvent, bool>? match = null)
    {
        lock (_lock)
        {
            _drops.Add((match ?? (_ => true), count));
        }
    }

    /// <summary>Makes every sync token issued so far invalid: the next <c>GET /events</c> answers 412.</summary>
    public void ExpireSyncTokens()
    {
        lock (_lock)
        {
            _syncTokens.Clear();
        }
    }

    /// <summary>Makes every pagination offset issued so far invalid (400 on use).</summary>
    public void ExpireOffsets()
    {
        lock (_lock)
        {
            _offsets.Clear();
        }
    }

    /// <summary>Reads a task back, trashed or not.</summary>
    /// <param name="taskGid">The task.</param>
    /// <returns>Its state.</returns>
    public FakeTask GetTask(string taskGid)
    {
        lock (_lock)
        {
            var t = Require(_tasks, taskGid, "task");
            return new FakeTask(
                t.Gid, t.Name, t.Completed, t.Deleted, t.ModifiedAt, Permalink(t),
                [.. t.Memberships.Select(m => m.Project)]);
        }
    }

    /// <summary>The gids of the tasks that are not trashed, optionally of one project, in listing order.</summary>
    /// <param name="projectGid">The project, or <see langword="null"/> for the whole workspace.</param>
    /// <returns>The gids.</returns>
    public IReadOnlyList<string> LiveTaskGids(string? projectGid = null)
    {
        lock (_lock)
        {
            var gids = projectGid is null
                ? _tasks.Keys
                : (IEnumerable<string>)Require(_projects, projectGid, "project").TaskGids;
            return [.. gids.Where(g => !_tasks[g].Deleted)];
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reads for the server. Each returns full JSON records (the server projects them with opt_fields) or throws
    // FakeAsanaError for the answers Asana gives.

    internal string? UserOfToken(string token)
    {
        lock (_lock)
        {
            return _tokens.GetValueOrDefault(token);
        }
    }

    internal JsonObject GetUser(string userGid, string callerGid)
    {
        lock (_lock)
        {
            var gid = userGid == "me" ? callerGid : userGid;
            if (!_users.TryGetValue(gid, out var user))
            {
                throw FakeAsanaError.NotFound("user", userGid);
            }

            var json = UserJson(user);
            json["email"] = user.Email;
            json["workspaces"] = new JsonArray(WorkspaceJson());
            return json;
        }
    }

    internal JsonObject WorkspaceJson()
    {
        return new JsonObject
        {
            ["gid"] = Gid,
            ["resource_type"] = "workspace",
            ["name"] = Name,
            ["is_organization"] = true,
            ["email_domains"] = new JsonArray("example.com"),
        };
    }

    internal void RequireWorkspace(string workspaceGid)
    {
        if (workspaceGid != Gid)
        {
            throw FakeAsanaError.NotFound("workspace", workspaceGid);
        }
    }

    internal List<JsonObject> ListProjects(string? workspaceGid, string? teamGid, bool? archived)
    {
        lock (_lock)
        {
            if (workspaceGid is not null)
            {
                RequireWorkspace(workspaceGid);
            }

            if (teamGid is not null && !_teams.ContainsKey(teamGid))
            {
                throw FakeAsanaError.NotFound("team", teamGid);
            }

            return
            [
                .. _projects.Values
                    .Where(p => teamGid is null || p.TeamGid == teamGid)
                    .Where(p => archived is null || p.Archived == archived)
                    .Where(p => !_deniedProjects.Contains(p.Gid))
                    .Select(ProjectJson),
            ];
        }
    }

    internal JsonObject GetProject(string projectGid)
    {
        lock (_lock)
        {
            return ProjectJson(AccessibleProject(projectGid));
        }
    }

    internal List<JsonObject> ListTasks(TaskFilter filter)
    {
        lock (_lock)
        {
            IEnumerable<TaskRecord> tasks;
            if (filter.ProjectGid is not null)
            {
                tasks = AccessibleProject(filter.ProjectGid).TaskGids.Select(g => _tasks[g]);
            }
            else if (filter.SectionGid is not null)
            {
                var section = _sections.GetValueOrDefault(filter.SectionGid)
                    ?? throw FakeAsanaError.NotFound("section", filter.SectionGid);
                tasks = AccessibleProject(section.ProjectGid).TaskGids.Select(g => _tasks[g])
                    .Where(t => t.Memberships.Any(m => m.Section == filter.SectionGid));
            }
            else if (filter.TagGid is not null)
            {
                _ = _tags.GetValueOrDefault(filter.TagGid) ?? throw FakeAsanaError.NotFound("tag", filter.TagGid);
                tasks = _tasks.Values.Where(t => t.TagGids.Contains(filter.TagGid));
            }
            else
            {
                RequireWorkspace(filter.WorkspaceGid!);
                tasks = _tasks.Values.Where(t => t.AssigneeGid == filter.AssigneeGid);
            }

            return
            [
                .. tasks
                    .Where(t => !t.Deleted)
                    .Where(t => filter.ModifiedSince is null || t.ModifiedAt > filter.ModifiedSince)
                    .Where(t => filter.CompletedSince is null || !t.Completed || t.CompletedAt >= filter.CompletedSince)
                    .Select(TaskJson),
            ];
        }
    }

    internal JsonObject GetTaskJson(string taskGid)
    {
        lock (_lock)
        {
            return TaskJson(VisibleTask(taskGid));
        }
    }

    internal List<JsonObject> ListStories(string taskGid)
    {
        lock (_lock)
        {
            return [.. VisibleTask(taskGid).Stories.Select(StoryJson)];
        }
    }

    internal List<JsonObject> SearchTasks(string workspaceGid, string? projectsAny, DateTimeOffset? modifiedAfter)
    {
        lock (_lock)
        {
            RequireWorkspace(workspaceGid);
            if (!IsPremium)
            {
                throw new FakeAsanaError(
                    HttpStatusCode.PaymentRequired,
                    "Search is only available to premium users.");
            }

            var projects = projectsAny?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return
            [
                .. _tasks.Values
                    .Where(t => !t.Deleted)
                    .Where(t => projects is null || t.Memberships.Any(m => projects.Contains(m.Project)))
                    .Where(t => modifiedAfter is null || t.ModifiedAt > modifiedAfter)
                    .OrderByDescending(t => t.ModifiedAt)
                    .Select(TaskJson),
            ];
        }
    }

    /// <summary>GET /events: the events of a resource after a sync token, at most 100, or 412 with a fresh token.</summary>
    internal (List<JsonObject> Events, string Sync, bool HasMore) ReadEvents(string resourceGid, string? sync)
    {
        lock (_lock)
        {
            if (_projects.ContainsKey(resourceGid))
            {
                _ = AccessibleProject(resourceGid);
            }
            else if (!_tasks.ContainsKey(resourceGid))
            {
                throw FakeAsanaError.NotFound("resource", resourceGid);
            }

            var now = Now();
            if (sync is null
                || !_syncTokens.TryGetValue(sync, out var token)
                || token.ResourceGid != resourceGid
                || now - token.IssuedAt > SyncTokenLifetime)
            {
                throw new FakeAsanaError(HttpStatusCode.PreconditionFailed, SyncTokenTooOld)
                {
                    Sync = NewSyncToken(resourceGid, _eventSequence, now),
                };
            }

            var pending = _events.Where(e => e.Sequence > token.Sequence && e.Recipients.Contains(resourceGid)).ToList();
            var page = pending.Take(100).ToList();
            var hasMore = pending.Count > page.Count;
            var position = hasMore ? page[^1].Sequence : _eventSequence;
            return ([.. page.Select(e => e.Json.DeepClone().AsObject())], NewSyncToken(resourceGid, position, now), hasMore);
        }
    }

    /// <summary>Remembers where a page ended; the offset is valid for the same query until it expires.</summary>
    internal string IssueOffset(string querySignature, int position)
    {
        lock (_lock)
        {
            var offset = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))
                .Replace('+', '-').Replace('/', '_').TrimEnd('=');
            _offsets[offset] = new OffsetRecord(querySignature, position, Now());
            return offset;
        }
    }

    internal int ResolveOffset(string offset, string querySignature)
    {
        lock (_lock)
        {
            if (!_offsets.TryGetValue(offset, out var record)
                || record.QuerySignature != querySignature
                || Now() - record.IssuedAt > OffsetLifetime)
            {
                throw FakeAsanaError.BadRequest(
                    "offset: Your pagination token has expired or is not valid for this request. Start again " +
                    "from the first page.");
            }

            return record.Position;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private DateTimeOffset Now() => Clock.GetUtcNow();

    private string NewGid() => (++_nextGid).ToString(CultureInfo.InvariantCulture);

    private string NewSyncToken(string resourceGid, long sequence, DateTimeOffset now)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + ":0";
        _syncTokens[token] = new SyncTokenRecord(resourceGid, sequence, now);
        return token;
    }

    private static T Require<T>(Dictionary<string, T> map, string gid, string kind)
    {
        return map.TryGetValue(gid, out var value)
            ? value
            : throw new ArgumentException($"The fake workspace has no {kind} {gid}.", nameof(gid));
    }

    private TaskRecord LiveTask(string taskGid)
    {
        var task = Require(_tasks, taskGid, "task");
        return task.Deleted ? throw new InvalidOperationException($"Task {taskGid} is trashed.") : task;
    }

    private TaskRecord VisibleTask(string taskGid)
    {
        if (!_tasks.TryGetValue(taskGid, out var task) || task.Deleted)
        {
            throw FakeAsanaError.NotFound("task", taskGid);
        }

        if (task.Memberships.Count > 0 && task.Memberships.All(m => _deniedProjects.Contains(m.Project)))
        {
            throw FakeAsanaError.Forbidden();
        }

        return task;
    }

    private ProjectRecord AccessibleProject(string projectGid)
    {
        if (!_projects.TryGetValue(projectGid, out var project))
        {
            throw FakeAsanaError.NotFound("project", projectGid);
        }

        return _deniedProjects.Contains(projectGid) ? throw FakeAsanaError.Forbidden() : project;
    }

    private static List<string> ProjectsOf(TaskRecord task) => [.. task.Memberships.Select(m => m.Project)];

    private static void SetNotesCore(TaskRecord task, string? notes, string? htmlNotes)
    {
        if (htmlNotes is not null)
        {
            task.HtmlNotes = htmlNotes;
            task.Notes = WebUtility.HtmlDecode(TagPattern().Replace(htmlNotes.Replace("<li>", "\n", StringComparison.Ordinal), string.Empty)).Trim();
        }
        else
        {
            task.Notes = notes ?? string.Empty;
            task.HtmlNotes = "<body>" + WebUtility.HtmlEncode(task.Notes) + "</body>";
        }
    }

    private StoryRecord AddStoryCore(TaskRecord task, string subtype, string text, string authorGid)
    {
        var now = Now();
        var story = new StoryRecord(NewGid(), subtype, text, authorGid, now);
        task.Stories.Add(story);
        task.ModifiedAt = now;
        Record(
            task,
            new FakeAsanaEvent("added", story.Gid, "story", task.Gid, "task"),
            ProjectsOf(task),
            resourceName: subtype == "comment_added" ? null : text);
        return story;
    }

    private void Changed(TaskRecord task, string field)
    {
        task.ModifiedAt = Now();
        Record(task, new FakeAsanaEvent("changed", task.Gid, "task", Field: field), ProjectsOf(task));
    }

    private void Record(TaskRecord task, FakeAsanaEvent e, List<string> projects, string? resourceName = null)
    {
        for (var i = 0; i < _drops.Count; i++)
        {
            var (match, remaining) = _drops[i];
            if (match(e))
            {
                _drops[i] = (match, remaining - 1);
                _drops.RemoveAll(d => d.Remaining <= 0);
                return;
            }
        }

        var json = new JsonObject
        {
            ["user"] = UserJson(_users[MeGid]),
            ["created_at"] = Timestamp(Now()),
            ["type"] = e.ResourceType,
            ["action"] = e.Action,
            ["resource"] = new JsonObject
            {
                ["gid"] = e.ResourceGid,
                ["resource_type"] = e.ResourceType,
                ["name"] = e.ResourceType == "task" ? task.Name : resourceName,
            },
            ["parent"] = e.ParentGid is null
                ? null
                : new JsonObject { ["gid"] = e.ParentGid, ["resource_type"] = e.ParentType, ["name"] = NameOf(e.ParentGid) },
        };
        if (e.Field is not null)
        {
            json["change"] = new JsonObject { ["field"] = e.Field, ["action"] = "changed" };
        }

        var recipients = new HashSet<string>(projects, StringComparer.Ordinal) { task.Gid };
        _events.Add(new EventRecord(++_eventSequence, recipients, json));
    }

    private string? NameOf(string gid)
    {
        return _projects.TryGetValue(gid, out var p) ? p.Name
            : _sections.TryGetValue(gid, out var s) ? s.Name
            : _tags.TryGetValue(gid, out var t) ? t.Name
            : _tasks.TryGetValue(gid, out var k) ? k.Name
            : null;
    }

    private string Permalink(TaskRecord task) => $"https://app.asana.com/1/{Gid}/task/{task.Gid}";

    internal static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static JsonObject UserJson(UserRecord user) =>
        new() { ["gid"] = user.Gid, ["resource_type"] = "user", ["name"] = user.Name };

    private JsonObject? UserRef(string? gid) => gid is null ? null : UserJson(_users[gid]);

    private JsonObject ProjectRef(string gid) =>
        new() { ["gid"] = gid, ["resource_type"] = "project", ["name"] = _projects[gid].Name };

    private JsonObject ProjectJson(ProjectRecord p)
    {
        return new JsonObject
        {
            ["gid"] = p.Gid,
            ["resource_type"] = "project",
            ["name"] = p.Name,
            ["archived"] = p.Archived,
            ["permalink_url"] = $"https://app.asana.com/1/{Gid}/project/{p.Gid}",
            ["team"] = p.TeamGid is null
                ? null
                : new JsonObject { ["gid"] = p.TeamGid, ["resource_type"] = "team", ["name"] = _teams[p.TeamGid].Name },
            ["workspace"] = new JsonObject { ["gid"] = Gid, ["resource_type"] = "workspace", ["name"] = Name },
        };
    }

    private JsonObject TaskJson(TaskRecord t)
    {
        return new JsonObject
        {
            ["gid"] = t.Gid,
            ["resource_type"] = "task",
            ["name"] = t.Name,
            ["resource_subtype"] = "default_task",
            ["created_by"] = new JsonObject { ["gid"] = t.CreatedByGid, ["resource_type"] = "user" },
            ["created_at"] = Timestamp(t.CreatedAt),
            ["modified_at"] = Timestamp(t.ModifiedAt),
            ["completed"] = t.Completed,
            ["completed_at"] = t.CompletedAt is { } c ? Timestamp(c) : null,
            ["assignee"] = UserRef(t.AssigneeGid),
            ["due_on"] = t.DueOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["due_at"] = null,
            ["start_on"] = null,
            ["notes"] = t.Notes,
            ["html_notes"] = t.HtmlNotes,
            ["num_subtasks"] = 0,
            ["parent"] = null,
            ["permalink_url"] = Permalink(t),
            ["workspace"] = new JsonObject { ["gid"] = Gid, ["resource_type"] = "workspace", ["name"] = Name },
            ["projects"] = new JsonArray([.. t.Memberships.Select(m => (JsonNode)ProjectRef(m.Project))]),
            ["memberships"] = new JsonArray(
            [
                .. t.Memberships.Select(m => (JsonNode)new JsonObject
                {
                    ["project"] = ProjectRef(m.Project),
                    ["section"] = new JsonObject
                    {
                        ["gid"] = m.Section, ["resource_type"] = "section", ["name"] = _sections[m.Section].Name,
                    },
                }),
            ]),
            ["tags"] = new JsonArray(
            [
                .. t.TagGids.Select(g => (JsonNode)new JsonObject
                {
                    ["gid"] = g, ["resource_type"] = "tag", ["name"] = _tags[g].Name,
                }),
            ]),
            ["custom_fields"] = new JsonArray([.. t.CustomFields.Select(kv => (JsonNode)CustomFieldJson(kv.Key, kv.Value))]),
        };
    }

    private JsonObject CustomFieldJson(string fieldGid, object? value)
    {
        var field = _customFields[fieldGid];
        var display = value switch
        {
            null => null,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        var json = new JsonObject
        {
            ["gid"] = field.Gid,
            ["resource_type"] = "custom_field",
            ["name"] = field.Name,
            ["type"] = field.Subtype,
            ["resource_subtype"] = field.Subtype,
            ["display_value"] = display,
            ["enabled"] = true,
        };
        switch (field.Subtype)
        {
            case "number":
                json["number_value"] = value is null ? null : JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case "enum":
                json["enum_value"] = value is null
                    ? null
                    : new JsonObject { ["gid"] = field.Gid + "1", ["resource_type"] = "enum_option", ["name"] = display };
                break;
            default:
                json["text_value"] = display;
                break;
        }

        return json;
    }

    private JsonObject StoryJson(StoryRecord s)
    {
        return new JsonObject
        {
            ["gid"] = s.Gid,
            ["resource_type"] = "story",
            ["created_at"] = Timestamp(s.CreatedAt),
            ["created_by"] = UserRef(s.AuthorGid),
            ["resource_subtype"] = s.Subtype,
            ["type"] = s.Subtype == "comment_added" ? "comment" : "system",
            ["text"] = s.Text,
            ["html_text"] = "<body>" + WebUtility.HtmlEncode(s.Text) + "</body>",
            ["is_edited"] = s.IsEdited,
            ["is_pinned"] = false,
        };
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex TagPattern();

    private sealed record UserRecord(string Gid, string Name, string Email);

    private sealed record TeamRecord(string Gid, string Name);

    private sealed record ProjectRecord(string Gid, string Name, string? TeamGid)
    {
        public bool Archived { get; set; }

        public List<string> Sections { get; } = [];

        public List<string> TaskGids { get; } = [];
    }

    private sealed record SectionRecord(string Gid, string Name, string ProjectGid);

    private sealed record TagRecord(string Gid, string Name);

    private sealed record CustomFieldRecord(string Gid, string Name, string Subtype);

    private sealed class TaskRecord(string gid, DateTimeOffset createdAt, string createdByGid)
    {
        public string Gid { get; } = gid;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public string CreatedByGid { get; } = createdByGid;

        public string Name { get; set; } = string.Empty;

        public string Notes { get; set; } = string.Empty;

        public string HtmlNotes { get; set; } = "<body></body>";

        public string? AssigneeGid { get; set; }

        public DateOnly? DueOn { get; set; }

        public bool Completed { get; set; }

        public DateTimeOffset? CompletedAt { get; set; }

        public DateTimeOffset ModifiedAt { get; set; }

        public bool Deleted { get; set; }

        public List<(string Project, string Section)> Memberships { get; } = [];

        public List<string> TagGids { get; } = [];

        public Dictionary<string, object?> CustomFields { get; } = new(StringComparer.Ordinal);

        public List<StoryRecord> Stories { get; } = [];
    }

    private sealed class StoryRecord(string gid, string subtype, string text, string authorGid, DateTimeOffset createdAt)
    {
        public string Gid { get; } = gid;

        public string Subtype { get; } = subtype;

        public string Text { get; set; } = text;

        public string AuthorGid { get; } = authorGid;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public bool IsEdited { get; set; }
    }

    private sealed record EventRecord(long Sequence, HashSet<string> Recipients, JsonObject Json);

    private sealed record SyncTokenRecord(string ResourceGid, long Sequence, DateTimeOffset IssuedAt);

    private sealed record OffsetRecord(string QuerySignature, int Position, DateTimeOffset IssuedAt);
}

/// <summary>The filter of <c>GET /tasks</c> (one of project, section, tag, or assignee with workspace).</summary>
internal sealed record TaskFilter(
    string? ProjectGid,
    string? SectionGid,
    string? TagGid,
    string? AssigneeGid,
    string? WorkspaceGid,
    DateTimeOffset? ModifiedSince,
    DateTimeOffset? CompletedSince);
