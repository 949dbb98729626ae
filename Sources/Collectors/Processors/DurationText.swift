extension Duration {
    /// The duration as options say it: `1h`, `10m`, `30s`, `0.5s`.
    var optionText: String {
        let (whole, fraction) = components
        let seconds = Double(whole) + Double(fraction) / 1e18
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds == seconds.rounded() { return "\(Int(seconds))s" }
        return "\(seconds)s"
    }

    /// In seconds, as a `Double`.
    var secondsValue: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
