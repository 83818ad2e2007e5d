// The embedding API speaks in these modules' types (connection parameters, plans, progress).
@_exported import FerryCore
@_exported import PGClient
