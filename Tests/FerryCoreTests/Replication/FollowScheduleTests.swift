import FerryCore
import Testing

@Suite struct FollowScheduleTests {
    let start = LSN(rawValue: 0x1000)
    let clock = ContinuousClock.now

    @Test func theEndIsReachedByACommitAtOrAfterItOrAnIdleKeepalivePastIt() {
        var schedule = FollowSchedule(start: start)
        #expect(!schedule.reachedEnd)  // no end set: follows forever
        schedule.applied(commit: LSN(rawValue: 0x3000), end: LSN(rawValue: 0x3100))
        #expect(!schedule.reachedEnd)

        schedule.stop(at: LSN(rawValue: 0x5000))
        schedule.stop(at: LSN(rawValue: 0x9000))  // a second cutover keeps the first position
        #expect(schedule.end == LSN(rawValue: 0x5000))
        schedule.applied(commit: LSN(rawValue: 0x4000), end: LSN(rawValue: 0x4100))
        #expect(!schedule.reachedEnd)
        // Decoded past the end, but a transaction is half received: its commit may be before it.
        schedule.keepalive(walEnd: LSN(rawValue: 0x6000), idle: false)
        #expect(!schedule.reachedEnd)
        schedule.keepalive(walEnd: LSN(rawValue: 0x6000), idle: true)
        #expect(schedule.reachedEnd)

        var byCommit = FollowSchedule(start: start)
        byCommit.stop(at: LSN(rawValue: 0x5000))
        byCommit.applied(commit: LSN(rawValue: 0x5000), end: LSN(rawValue: 0x5100))
        #expect(byCommit.reachedEnd)
        #expect(byCommit.flushed == LSN(rawValue: 0x5100))
    }

    @Test func anEndAtOrBeforeTheStartIsReachedAtOnce() {
        var schedule = FollowSchedule(start: start)
        schedule.stop(at: LSN(rawValue: 0x800))
        #expect(schedule.reachedEnd)
    }

    @Test func statusGoesOutWhenAskedAfterACommitAndEveryInterval() {
        var schedule = FollowSchedule(start: start, statusInterval: .seconds(10))
        #expect(schedule.statusDue(at: clock, asked: false))  // the first one
        schedule.statusSent(at: clock)
        #expect(!schedule.statusDue(at: clock + .seconds(1), asked: false))
        #expect(schedule.statusDue(at: clock + .seconds(1), asked: true))
        #expect(schedule.statusDue(at: clock + .seconds(10), asked: false))

        schedule.data(start: LSN(rawValue: 0x2000), walEnd: LSN(rawValue: 0x9000))
        #expect(!schedule.statusDue(at: clock + .seconds(2), asked: false))  // nothing new is flushed
        #expect(schedule.lagBytes == 0x8000)
        schedule.applied(commit: LSN(rawValue: 0x2000), end: LSN(rawValue: 0x2100))
        #expect(schedule.statusDue(at: clock + .seconds(2), asked: false))
        schedule.statusSent(at: clock + .seconds(2))
        #expect(!schedule.statusDue(at: clock + .seconds(3), asked: false))
        #expect(schedule.lagBytes == 0x9000 - 0x2100)
    }

    @Test func anIdleKeepaliveCountsAsFlushedSoTheSlotMovesOn() {
        var schedule = FollowSchedule(start: start)
        schedule.applied(commit: LSN(rawValue: 0x2000), end: LSN(rawValue: 0x2100))
        // A transaction half received (or applied, uncommitted): nothing moves.
        schedule.keepalive(walEnd: LSN(rawValue: 0x8000), idle: false)
        #expect(schedule.flushed == LSN(rawValue: 0x2100))
        #expect(schedule.lagBytes == 0x8000 - 0x2100)
        // Idle: the WAL in between was other tables' (or nothing).
        schedule.keepalive(walEnd: LSN(rawValue: 0x9000), idle: true)
        #expect(schedule.flushed == LSN(rawValue: 0x9000))
        #expect(schedule.lagBytes == 0)
        schedule.keepalive(walEnd: LSN(rawValue: 0x4000), idle: true)  // never backwards
        #expect(schedule.flushed == LSN(rawValue: 0x9000))
    }

    @Test func followEndParsesNowAndLSNs() {
        #expect(FollowEnd("now") == .now)
        #expect(FollowEnd("NOW") == .now)
        #expect(FollowEnd("0/1A2B") == .lsn(LSN(rawValue: 0x1A2B)))
        #expect(FollowEnd("later") == nil)
    }

    @Test func theStatusLineShowsFollowProgress() {
        var progress = MigrationProgress()
        var follow = FollowProgress(state: .streaming, slot: "pgferry_x", consistentPoint: LSN(rawValue: 0x10))
        follow.transactionsApplied = 3
        follow.rowsApplied = 7
        follow.appliedLSN = "0/20"
        follow.lagBytes = 2048
        progress.follow = follow
        let line = "follow streaming: 3 transactions, 7 rows applied up to 0/20, lag \(ProgressText.bytes(2048))"
        #expect(ProgressText.followLine(follow) == line)
        #expect(ProgressText.statusLine(progress).hasSuffix("; " + line))
        follow.lagSeconds = 0
        #expect(ProgressText.followLine(follow) == line)  // caught up: no seconds shown
        follow.lagSeconds = 2.5
        #expect(ProgressText.followLine(follow).hasPrefix(line + " ("))
        follow.lagSeconds = 0
        follow.retainedBytes = 3 << 20
        #expect(ProgressText.followLine(follow) == line + ", slot retains \(ProgressText.bytes(3 << 20)) of WAL")
        follow.state = .done
        follow.retainedBytes = 0
        #expect(!ProgressText.followLine(follow).contains("retains"))  // the slot is gone
        follow.cutover = CutoverWindow(parts: [.init(name: "changes applied", seconds: 0.0504), .init(name: "rows compared", seconds: 0.02)])
        #expect(ProgressText.followLine(follow).hasSuffix("; cutover took 0.070s (changes applied 0.050s, rows compared 0.020s)"))
    }
}
