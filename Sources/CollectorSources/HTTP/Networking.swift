// The seam to URLSession: on Linux it lives in FoundationNetworking
// (swift-corelibs-foundation over libcurl); on Apple platforms in Foundation.
import Foundation

#if canImport(FoundationNetworking)
    @_exported import FoundationNetworking
#endif
