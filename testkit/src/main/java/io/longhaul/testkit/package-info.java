/** Contract test suites that plug-in authors run against their own implementations. */
package io.longhaul.testkit;
