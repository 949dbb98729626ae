/// The keys of a scope's entries in a `ResumeStore`.
public enum ResumeKey {
    /// Where source `id` resumes.
    public static func source(_ id: String) -> String { "source/" + id }
    /// The state of the processor named `name`.
    public static func processor(_ name: String) -> String { "processor/" + name }
}
