/** TODO */
package io.j3fs.cli;
